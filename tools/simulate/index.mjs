#!/usr/bin/env node
/**
 * @module tools/simulate
 * `npm run simulate -- <target> <action> [options]` (`--help` for all of it): sends correctly signed
 * KooGallery V1/V2 and ActivePlatform calls to a running gateway and checks the answers.
 * In-process use: {@link buildCall} builds a call, {@link runAction} / {@link runScenario} send calls
 * through any fetch. Plain Node ≥ 20, standard library only, no code shared with src/.
 */
import { runCli } from "./cli.mjs";
import { isMain } from "../lib/is-main.mjs";

export { buildCall, TARGETS } from "./calls.mjs";
export { runAction, runScenario } from "./run.mjs";

if (isMain(import.meta.url)) process.exitCode = await runCli(process.argv.slice(2));
