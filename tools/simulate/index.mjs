#!/usr/bin/env node
/**
 * @module tools/simulate
 * `npm run simulate -- <target> <action> [options]` (`--help` for all of it): sends correctly signed
 * KooGallery V1/V2 and ActivePlatform calls to a running gateway and checks the answers.
 * In-process use: {@link buildCall} builds a call, {@link runAction} / {@link runScenario} send calls
 * through any fetch. Plain Node ≥ 20, standard library only, no code shared with src/.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { runCli } from "./cli.mjs";

export { buildCall, TARGETS } from "./calls.mjs";
export { runAction, runScenario } from "./run.mjs";

/** True when this file is the process entry point rather than an import. */
function isMain() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) process.exitCode = await runCli(process.argv.slice(2));
