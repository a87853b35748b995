/**
 * @module tools/lib/process-group
 * A local server in a process group of its own (wrangler and its workerd, or npm and all it
 * starts), ready once its `/healthz` answers, ended as a whole. Shared by `startWranglerDev` and
 * the test helper that runs `npm start` itself.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** A free loopback port, chosen by the OS. @returns {Promise<number>} */
export function freePort() {
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

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {{ url: string, name: string, cwd: string, readyTimeoutMs?: number, onLog?: (line: string) => void }} o
 */
export function processGroup(o) {
  /** @type {string[]} */
  const log = [];
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;

  /** Starts the command and resolves once the server answers (any status below 500 means it is up). */
  const launch = async (/** @type {string} */ command, /** @type {string[]} */ args, /** @type {Record<string, string>} */ env = {}) => {
    const proc = spawn(command, args, {
      cwd: o.cwd,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0", CI: "true", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child = proc;
    const onData = (/** @type {Buffer} */ chunk) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        log.push(line);
        o.onLog?.(line);
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    const timeoutMs = o.readyTimeoutMs ?? 90_000;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`${o.name} exited with ${proc.exitCode}:\n${log.slice(-30).join("\n")}`);
      try {
        const response = await fetch(`${o.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status < 500) return;
      } catch {
        /* not listening yet */
      }
      await sleep(250);
    }
    throw new Error(`${o.name} did not become ready at ${o.url} within ${timeoutMs} ms:\n${log.slice(-30).join("\n")}`);
  };

  /** Signals the whole group (SIGKILL after 10 s), then waits until nothing answers on the port, so a restart can bind it. */
  const end = async (/** @type {NodeJS.Signals} */ signal) => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.pid === undefined) return;
    const pid = proc.pid;
    const exited = new Promise((r) => proc.once("exit", r));
    try {
      process.kill(-pid, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
    // The group leader may exit before workerd has let go of the port.
    for (let i = 0; i < 40; i++) {
      try {
        await fetch(`${o.url}/healthz`, { signal: AbortSignal.timeout(500) }).then((r) => r.arrayBuffer());
      } catch {
        return;
      }
      await sleep(250);
    }
  };

  return { log, launch, end };
}
