/**
 * @module tools/lib/wrangler-dev
 * Starts a Worker under `wrangler dev` (local mode, no Cloudflare account) the way a user does,
 * and gives back its URL. The walkthrough, the HTTP hardening tests, the chaos and fuzz runs and
 * the benchmark all drive the gateway through this, so they meet what users meet: wrangler's
 * proxy, real connections, persisted local state and restarts.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, processGroup } from "./process-group.mjs";

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER_BIN = join(REPO_DIR, "node_modules", "wrangler", "bin", "wrangler.js");

/**
 * @typedef {object} DevOptions
 * @property {string} [config] wrangler config file (default: the project's wrangler.toml)
 * @property {string} [envFile] secrets and vars file (default: .dev.vars.example)
 * @property {Record<string, string>} [vars] extra vars, passed as `--var NAME:value` (they win over the env file)
 * @property {string} [persistTo] local state directory; keep it across restarts to keep state
 * @property {number} [port] default: a free port
 * @property {boolean} [testScheduled] expose `/__scheduled` for cron triggers
 * @property {(line: string) => void} [onLog] every line wrangler and the Worker print
 * @property {number} [readyTimeoutMs] default 90 s (2 shared cores, cold esbuild)
 */

/**
 * @typedef {object} DevServer
 * @property {string} url origin, e.g. http://127.0.0.1:8787
 * @property {number} port
 * @property {() => Promise<void>} stop ends wrangler and workerd
 * @property {() => Promise<void>} kill ends them abruptly (SIGKILL), as a crash would
 * @property {() => Promise<void>} restart stop (or kill) and start again on the same port and state
 * @property {string[]} log every line printed so far
 */

/**
 * @param {DevOptions} [options]
 * @returns {Promise<DevServer>}
 */
export async function startWranglerDev(options = {}) {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const group = processGroup({ url, name: "wrangler dev", cwd: REPO_DIR, readyTimeoutMs: options.readyTimeoutMs, onLog: options.onLog });

  const args = [
    WRANGLER_BIN,
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(await freePort()),
    "--show-interactive-dev-session=false",
    "--log-level",
    "log",
    "--env-file",
    options.envFile ?? join(REPO_DIR, ".dev.vars.example"),
  ];
  if (options.config) args.push("--config", options.config);
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  if (options.testScheduled) args.push("--test-scheduled");
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);

  const launch = () => group.launch(process.execPath, args);

  await launch();
  return {
    url,
    port,
    log: group.log,
    stop: () => group.end("SIGTERM"),
    kill: () => group.end("SIGKILL"),
    restart: async () => {
      await group.end("SIGKILL");
      await launch();
    },
  };
}
