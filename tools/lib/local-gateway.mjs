/**
 * @module tools/lib/local-gateway
 * The gateway as `wrangler deploy` would upload it, loaded into Miniflare directly (no wrangler
 * dev proxy): the bundle, and the compatibility settings and bindings of wrangler.toml. Used by the
 * benchmark and by the end-to-end walkthrough test.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER_TOML = join(REPO_DIR, "wrangler.toml");
/** The spec's fake seller key (koogallery.md §2.5). */
export const SPEC_TEST_KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";

/** @typedef {Record<string, unknown>} WorkerOptions */

/**
 * Compatibility settings and bindings exactly as wrangler.toml declares them, read with
 * wrangler's own parser so the benchmark cannot drift from the deployed config. Vars come from
 * wrangler.toml only: a developer's .dev.vars (real keys, connector URLs) must not leak in.
 * @returns {Promise<{ compat: WorkerOptions, gateway: WorkerOptions }>}
 */
export async function wranglerConfig() {
  const wrangler = await import("wrangler");
  const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(WRANGLER_TOML);
  const config = wrangler.unstable_readConfig({ config: WRANGLER_TOML });
  const compat = {
    compatibilityDate: workerOptions.compatibilityDate,
    compatibilityFlags: workerOptions.compatibilityFlags,
  };
  const gateway = {
    ...compat,
    durableObjects: workerOptions.durableObjects,
    kvNamespaces: workerOptions.kvNamespaces,
    queueProducers: workerOptions.queueProducers,
    queueConsumers: workerOptions.queueConsumers,
    bindings: {
      ...config.vars,
      KOOGALLERY_ACCESS_KEY: SPEC_TEST_KEY,
      KOOGALLERY_TIMESTAMP_TOLERANCE_S: "60",
      KOOGALLERY_FRONTEND_URL: "https://app.example.test/",
    },
  };
  for (const name of ["INSTANCES", "KOODRIVE_SESSION"]) {
    const ns = /** @type {Record<string, { useSQLite?: boolean }>} */ (gateway.durableObjects ?? {})[name];
    if (!ns?.useSQLite) throw new Error(`wrangler.toml: Durable Object ${name} missing or not SQLite-backed`);
  }
  return { compat, gateway };
}

/**
 * Builds the gateway exactly as `wrangler deploy` would upload it.
 * @param {string} outdir
 */
export function buildGateway(outdir) {
  const bin = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
  const r = spawnSync(process.execPath, [bin, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: REPO_DIR,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
}

const MODULE_TYPES = /** @type {Record<string, string>} */ ({
  ".js": "ESModule",
  ".mjs": "ESModule",
  ".cjs": "CommonJS",
  ".wasm": "CompiledWasm",
  ".txt": "Text",
  ".html": "Text",
  ".sql": "Text",
  ".bin": "Data",
});

/**
 * Every module wrangler wrote, entry first. Listing them explicitly (instead of letting Miniflare
 * follow imports) keeps `node:*`/`cloudflare:*` built-ins and any extra chunks wrangler emits
 * working without resolver rules.
 * @param {string} outdir
 */
export function bundleModules(outdir) {
  /** @type {string[]} */
  const files = [];
  const walk = (/** @type {string} */ dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (MODULE_TYPES[extname(name)]) files.push(path);
    }
  };
  walk(outdir);
  const entry = join(outdir, "index.js");
  if (!files.includes(entry)) throw new Error(`no index.js in ${outdir}: ${files.map((f) => relative(outdir, f))}`);
  return [entry, ...files.filter((f) => f !== entry)].map((path) => ({ type: MODULE_TYPES[extname(path)], path }));
}

/**
 * SQLite-backed Durable Objects need on-disk storage locally: workerd's in-memory ("ephemeral")
 * objects have no SQL API. Each new object costs a file create + fsync and keeps ~3 descriptors
 * open while alive, which is what dominates the cold regime locally (see bench/README.md).
 * Miniflare 5 takes the persistence root as a shared (instance-wide) option, beside `workers`.
 * @param {string} dir
 * @returns {WorkerOptions}
 */
export const doStorage = (dir) => ({ resourcePersistencePath: dir });
