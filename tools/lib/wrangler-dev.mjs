/**
 * @module tools/lib/wrangler-dev
 * Starts a Worker under `wrangler dev` (local mode, no Cloudflare account) the way a user does,
 * and gives back its URL. The walkthrough, the HTTP hardening tests, the chaos and fuzz runs and
 * the benchmark all drive the gateway through this, so they meet what users meet: wrangler's
 * proxy, real connections, persisted local state and restarts.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER_BIN = join(REPO_DIR, "node_modules", "wrangler", "bin", "wrangler.js");

/** A free loopback port, chosen by the OS. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

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
  const log = /** @type {string[]} */ ([]);
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;

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

  const launch = async () => {
    // A process group of its own, so that stop/kill end workerd with wrangler.
    const proc = spawn(process.execPath, args, {
      cwd: REPO_DIR,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child = proc;
    const onData = (/** @type {Buffer} */ chunk) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        log.push(line);
        options.onLog?.(line);
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    await waitReady(`http://127.0.0.1:${port}`, proc, log, options.readyTimeoutMs ?? 90_000);
  };

  const end = async (/** @type {NodeJS.Signals} */ signal) => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.pid === undefined) return;
    const exited = new Promise((r) => proc.once("exit", r));
    try {
      process.kill(-proc.pid, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(proc.pid ?? 0), "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
    // Let the OS release the port before a restart binds it again.
    await new Promise((r) => setTimeout(r, 300));
  };

  await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    restart: async () => {
      await end("SIGKILL");
      await launch();
    },
  };
}

/**
 * Polls /healthz until it answers (any status from the Worker counts: it is up).
 * @param {string} url
 * @param {import("node:child_process").ChildProcess} proc
 * @param {string[]} log
 * @param {number} timeoutMs
 */
async function waitReady(url, proc, log, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`wrangler dev exited with ${proc.exitCode}:\n${log.slice(-30).join("\n")}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not become ready at ${url} within ${timeoutMs} ms:\n${log.slice(-30).join("\n")}`);
}
