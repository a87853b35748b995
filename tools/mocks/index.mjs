#!/usr/bin/env node
/**
 * @module tools/mocks
 * Local mock partners for lifecycle-gateway (vendor webhook, KooDrive, MOR). Import
 * {@link startMocks} to run them in-process; run this file directly for the CLI (`--help`).
 * Plain Node ≥ 20, standard library only, no code shared with src/.
 */
import { runCli } from "./cli.mjs";
import { isMain } from "../lib/is-main.mjs";

export { DEFAULTS, startMocks } from "./mocks.mjs";
export { morHash } from "./mor.mjs";
export { koodriveUserId } from "./koodrive.mjs";

if (isMain(import.meta.url)) await runCli(process.argv.slice(2));
