/**
 * The simulator as a user runs it (`npm run simulate -- …` is `node tools/simulate/index.mjs …`),
 * signing with the spec's test key against a gateway started by the test.
 */
import { spawn } from "node:child_process";
import { SPEC_TEST_KEY } from "../../../tools/lib/koogallery-signer.mjs";
import { REPO_DIR } from "../../../tools/lib/wrangler-dev.mjs";

export function runSimulator(gatewayUrl: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["tools/simulate/index.mjs", ...args, "--url", gatewayUrl, "--key", SPEC_TEST_KEY], { cwd: REPO_DIR });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}
