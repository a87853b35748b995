#!/usr/bin/env node
/**
 * @module tools/chaos
 * `npm run chaos [-- --large] [--seed <s>]`: the whole system under failure (README of this folder).
 * Prints one summary table and exits non-zero on any loss, doubled effect, misorder, delivery
 * left pending, wrong final state, 5xx answered to a marketplace outside the gateway's downtime,
 * or drift found where MOR was not edited, missed, wrongly repaired or left at the end.
 * In-process: {@link runChaos}.
 */
import { parseArgs } from "node:util";
import { isMain } from "../lib/is-main.mjs";
import { PRESETS } from "./presets.mjs";
import { formatSummary } from "./report.mjs";
import { runChaos } from "./run.mjs";

export { runChaos } from "./run.mjs";
export { PRESETS } from "./presets.mjs";
export { formatSummary } from "./report.mjs";

/** @typedef {import("./run.mjs").ChaosResult} ChaosResult */

export const USAGE = `Usage: npm run chaos -- [options]

Runs the gateway under wrangler dev (state persisted across restarts), the mock partners and the
marketplace simulator together, injects faults, and checks every instance and partner at the end.

  --seed <s>              workload and fault draws (default 1)
  --large                 the report-sized run (150 instances, minutes-long outages, 4 restarts)
  --instances <n>         override the preset's instance count
  --fail-rate <0..1>      share of partner calls refused while faults are on (default 0.6)
  --scale <x>             RETRY_DELAY_SCALE for the gateway (small 0.001, large 0.01)
  --drift-edits <n>       MOR subscriptions edited behind the gateway's back (small 8, large 40)
  --stale-duplicates      also send late KooGallery freeze/unfreeze copies after the state moved on,
                          with their original timestamp (needs the gateway's stale-call rule)
  --keep                  keep the work directory (persisted state, gateway and partner logs)
  --json                  print the result as JSON after the table
  --quiet                 no progress lines
  --help
`;

/** @param {string[]} argv @returns {Promise<number>} exit code */
export async function runCli(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seed: { type: "string" },
        large: { type: "boolean" },
        instances: { type: "string" },
        "fail-rate": { type: "string" },
        scale: { type: "string" },
        "drift-edits": { type: "string" },
        "stale-duplicates": { type: "boolean" },
        keep: { type: "boolean" },
        json: { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const preset = { ...PRESETS[values.large ? "large" : "small"] };
  const number = (/** @type {string|undefined} */ raw, /** @type {string} */ name, /** @type {(n: number) => boolean} */ valid) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === "" || !valid(n)) throw new RangeError(`--${name}: ${JSON.stringify(raw)} is out of range`);
    return n;
  };
  try {
    preset.instances = number(values.instances, "instances", (n) => Number.isInteger(n) && n >= 3 && n <= 2000) ?? preset.instances;
    preset.failRate = number(values["fail-rate"], "fail-rate", (n) => n >= 0 && n <= 1) ?? preset.failRate;
    preset.scale = number(values.scale, "scale", (n) => n > 0 && n <= 1) ?? preset.scale;
    preset.drift = {
      ...preset.drift,
      edits: number(values["drift-edits"], "drift-edits", (n) => Number.isInteger(n) && n >= 0 && n <= 2000) ?? preset.drift.edits,
    };
  } catch (err) {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const log = values.quiet ? () => {} : (/** @type {string} */ line) => process.stderr.write(`chaos: ${line}\n`);
  const result = await runChaos({ seed: values.seed ?? "1", preset, staleDuplicates: values["stale-duplicates"] ?? false, keep: values.keep ?? false, log });
  process.stdout.write(formatSummary(result));
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.ok ? 0 : 1;
}

if (isMain(import.meta.url)) process.exitCode = await runCli(process.argv.slice(2));
