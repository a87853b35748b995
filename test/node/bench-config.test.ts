/**
 * The benchmark's baselines must run on the same runtime settings as the gateway, or the
 * side-by-side figures compare different things.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_DIR } from "../../tools/lib/wrangler-dev.mjs";

const setting = (file: string, name: string) => new RegExp(`^${name}\\s*=\\s*(.+)$`, "m").exec(readFileSync(join(REPO_DIR, file), "utf8"))?.[1];

describe("benchmark baselines", () => {
  for (const baseline of ["bench/workers/bare.toml", "bench/workers/minimal-do.toml"]) {
    it(`${baseline} has the gateway's compatibility date and flags`, () => {
      for (const name of ["compatibility_date", "compatibility_flags"]) {
        expect(setting(baseline, name), name).toBeDefined();
        expect(setting(baseline, name), name).toBe(setting("wrangler.toml", name));
      }
    });
  }
});
