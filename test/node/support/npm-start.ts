/**
 * The gateway exactly as a newcomer starts it: `npm start -- <args>` (tools/start.mjs, which adds
 * wrangler's `--local --ip 127.0.0.1 --port $PORT` and the example settings when there is no
 * .dev.vars), on a free port, in a process group of its own so that stopping it ends wrangler and
 * workerd too. Tests add `--persist-to`, `--inspector-port` and `--var`s to keep runs apart.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { REPO_DIR, freePort } from "../../../tools/lib/wrangler-dev.mjs";

export interface NpmStarted {
  url: string;
  /** Every line npm, wrangler and the Worker printed, across restarts. */
  log: string[];
  /** Ends this run (SIGTERM to the group, SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Stops, then `npm start -- <args>` again on the same port: a user's Ctrl-C and restart. */
  restart(args: string[]): Promise<void>;
}

export async function npmStart(args: string[], readyTimeoutMs = 90_000): Promise<NpmStarted> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  let child: ChildProcess | null = null;

  const launch = async (runArgs: string[]) => {
    const proc = spawn("npm", ["start", "--", ...runArgs, "--inspector-port", String(await freePort())], {
      cwd: REPO_DIR,
      env: { ...process.env, PORT: String(port), WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child = proc;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) log.push(line);
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    const until = Date.now() + readyTimeoutMs;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`npm start exited with ${proc.exitCode}:\n${log.slice(-30).join("\n")}`);
      try {
        const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status < 500) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`npm start did not answer at ${url} within ${readyTimeoutMs} ms:\n${log.slice(-30).join("\n")}`);
  };

  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.pid === undefined) return;
    const pid = proc.pid;
    const exited = new Promise((r) => proc.once("exit", r));
    try {
      process.kill(-pid, "SIGTERM");
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
    // npm may exit before workerd has let go of the port; wait until nothing answers there.
    for (let i = 0; i < 40; i++) {
      try {
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(500) }).then((r) => r.arrayBuffer());
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  await launch(args);
  return {
    url,
    log,
    stop,
    restart: async (next) => {
      await stop();
      await launch(next);
    },
  };
}
