/**
 * @module bench/lib/machine
 * What the figures were measured on, printed with every run so BENCHMARKS.md entries stay
 * comparable.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, platform, release, totalmem } from "node:os";
import { dirname } from "node:path";

const require = createRequire(import.meta.url);

/** wrangler's own Miniflare, which is what `wrangler dev` runs (it pins its own copy). */
const fromWrangler = { paths: [dirname(require.resolve("wrangler/package.json"))] };

/** The workerd that wrangler's Miniflare actually runs. */
function workerdVersion() {
  try {
    const fromMiniflare = { paths: [dirname(require.resolve("miniflare/package.json", fromWrangler))] };
    const pkg = require(require.resolve("workerd/package.json", fromMiniflare));
    const bin = require(require.resolve("workerd", fromMiniflare)).default;
    const out = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
    return out ? `${pkg.version} (${out})` : pkg.version;
  } catch (err) {
    return `unknown (${/** @type {Error} */ (err).message})`;
  }
}

/** @returns {Record<string, string>} */
export function machineInfo() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: String(cpu.length),
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    os: `${platform()} ${release()}`,
    node: process.version,
    wrangler: require("wrangler/package.json").version,
    miniflare: require(require.resolve("miniflare/package.json", fromWrangler)).version,
    workerd: workerdVersion(),
  };
}
