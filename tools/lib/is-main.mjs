/**
 * @module tools/lib/is-main
 * Lets a tool module be both imported (tests, other tools) and run as a command.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * True when the module at `moduleUrl` is the process entry point rather than an import.
 * @param {string} moduleUrl `import.meta.url` of the caller
 */
export function isMain(moduleUrl) {
  if (!process.argv[1]) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}
