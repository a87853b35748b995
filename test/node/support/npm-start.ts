/**
 * The gateway exactly as a newcomer starts it: `npm start -- <args>` (tools/start.mjs, which adds
 * wrangler's `--local --ip 127.0.0.1 --port $PORT` and the example settings when there is no
 * .dev.vars), on a free port, in a process group of its own so that stopping it ends wrangler and
 * workerd too. Tests add `--persist-to`, `--inspector-port` and `--var`s to keep runs apart.
 */
import { REPO_DIR } from "../../../tools/lib/wrangler-dev.mjs";
import { freePort, processGroup } from "../../../tools/lib/process-group.mjs";

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
  const group = processGroup({ url, name: "npm start", cwd: REPO_DIR, readyTimeoutMs });
  const launch = async (runArgs: string[]) =>
    group.launch("npm", ["start", "--", ...runArgs, "--inspector-port", String(await freePort())], { PORT: String(port) });
  const stop = () => group.end("SIGTERM");

  await launch(args);
  return {
    url,
    log: group.log,
    stop,
    restart: async (next) => {
      await stop();
      await launch(next);
    },
  };
}
