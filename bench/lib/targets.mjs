/**
 * @module bench/lib/targets
 * The three Workers under test, each started with `wrangler dev` exactly as `npm start` starts
 * the gateway, so the baselines differ from the gateway only in what their code does. The
 * baselines' wrangler files copy the gateway's compatibility date and flags; a test keeps them equal.
 */
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SPEC_TEST_KEY } from "../../tools/lib/koogallery-signer.mjs";
import { BENCH_ENTITLEMENTS_TOKEN } from "./plan.mjs";

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The gateway runs with KooGallery configured and no connector: the benchmark measures the answer
 * path, and deliveries to partners that are not there would only add retries to the load.
 * @param {string} dir where to write the env file
 */
function gatewayEnvFile(dir) {
  const path = join(dir, "gateway.env");
  writeFileSync(
    path,
    [
      `KOOGALLERY_ACCESS_KEY=${SPEC_TEST_KEY}`,
      "KOOGALLERY_FRONTEND_URL=https://app.example.test/",
      "ADMIN_TOKEN=bench-admin-token",
      `ENTITLEMENTS_TOKEN=${BENCH_ENTITLEMENTS_TOKEN}`,
      "ACTIVEPLATFORM_PATH_SECRET=bench-path-secret-0123456789abcdef",
      "",
    ].join("\n"),
  );
  return path;
}

/**
 * @param {{ persistRoot: string, workDir: string }} store
 * @returns {Array<{ name: string, label: string, gateway: boolean, dev: import("../../tools/lib/wrangler-dev.mjs").DevOptions }>}
 */
export function targets(store) {
  const workersDir = join(BENCH_DIR, "workers");
  const emptyEnv = join(store.workDir, "empty.env");
  writeFileSync(emptyEnv, "");
  return [
    {
      name: "bare",
      label: "(a) bare Worker",
      gateway: false,
      dev: { config: join(workersDir, "bare.toml"), envFile: emptyEnv, persistTo: join(store.persistRoot, "bare") },
    },
    {
      name: "minimal-do",
      label: "(b) minimal DO Worker",
      gateway: false,
      dev: { config: join(workersDir, "minimal-do.toml"), envFile: emptyEnv, persistTo: join(store.persistRoot, "minimal-do") },
    },
    {
      name: "gateway",
      label: "(c) gateway",
      gateway: true,
      dev: { envFile: gatewayEnvFile(store.workDir), persistTo: join(store.persistRoot, "gateway") },
    },
  ];
}
