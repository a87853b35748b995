#!/usr/bin/env node
/**
 * `npm start`: the gateway under `wrangler dev`, local state only, no Cloudflare account.
 * Reads .dev.vars; when there is none, starts with .dev.vars.example's development values and
 * says so, so a fresh clone runs with one command.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = ["wrangler", "dev", "--local", "--ip", "127.0.0.1", "--port", process.env.PORT ?? "8787", "--show-interactive-dev-session=false"];
if (!existsSync(new URL("../.dev.vars", import.meta.url))) {
  console.log("No .dev.vars found: using the development values in .dev.vars.example (copy it to .dev.vars to change them).");
  args.push("--env-file", ".dev.vars.example");
}
const child = spawn("npx", [...args, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.on(sig, () => child.kill(sig));
