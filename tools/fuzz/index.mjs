#!/usr/bin/env node
/**
 * @module tools/fuzz
 * `npm run fuzz [-- --count N] [--family NAME[,NAME]] [--seed N] [--connections N]`: sends
 * generated malformed and hostile requests (N per family, default 10 000) through the real server
 * under `wrangler dev`, over a few keep-alive connections, and checks every answer: no 5xx, no
 * dropped connection, the caller's own error form, nothing written. Prints one summary table and
 * exits 1 on any failure. Families: koogallery-v1, koogallery-v2, activeplatform-subscription,
 * activeplatform-user, admin.
 */
import { parseArgs } from "node:util";
import { isMain } from "../lib/is-main.mjs";
import { FAMILIES } from "./generate.mjs";
import { failed, formatReport, runFuzz } from "./run.mjs";

const USAGE = `usage: npm run fuzz -- [--count N] [--family ${FAMILIES.join("|")}[,…]] [--seed N] [--connections N]`;

/** @param {string[]} argv @returns {Promise<number>} exit code */
export async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        count: { type: "string" },
        family: { type: "string", multiple: true },
        seed: { type: "string" },
        connections: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const number = (/** @type {string | undefined} */ v, /** @type {string} */ name) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a non-negative integer`);
    return Number(v);
  };
  let options;
  try {
    const families = values.family?.flatMap((f) => f.split(",")).filter(Boolean);
    for (const f of families ?? []) if (!FAMILIES.includes(f)) throw new Error(`unknown family ${f}`);
    options = { count: number(values.count, "count"), seed: number(values.seed, "seed"), connections: number(values.connections, "connections"), families };
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n${USAGE}`);
    return 2;
  }
  const report = await runFuzz({ ...options, log: (line) => console.error(line) });
  console.log(formatReport(report));
  return failed(report) ? 1 : 0;
}

if (isMain(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
