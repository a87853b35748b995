#!/usr/bin/env node
/**
 * @module tools/mocks
 * Local mock partners for lifecycle-gateway (vendor webhook, KooDrive, MOR). Import
 * {@link startMocks} to run them in-process; run this file directly for the CLI (`--help`).
 * Plain Node ≥ 20, standard library only, no code shared with src/.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { runCli } from "./cli.mjs";

export { DEFAULTS, startMocks } from "./mocks.mjs";
export { morHash } from "./mor.mjs";
export { koodriveUserId } from "./koodrive.mjs";

/** True when this file is the process entry point rather than an import. */
function isMain() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) await runCli(process.argv.slice(2));
