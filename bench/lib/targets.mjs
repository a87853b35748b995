/**
 * @module bench/lib/targets
 * Miniflare options for the three Workers under test. All run on the workerd that Miniflare (and
 * so wrangler) ships, with the gateway's compatibility settings, so the baselines differ from the
 * gateway only in what their code does.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleModules, doStorage, wranglerConfig } from "../../tools/lib/local-gateway.mjs";

export { buildGateway } from "../../tools/lib/local-gateway.mjs";
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * @param {string | undefined} gatewayBuildDir built bundle, or undefined to skip the gateway
 * @param {{ persistRoot: string }} store
 * @returns {Promise<Array<{ name: string, label: string, gateway: boolean, options: WorkerOptions }>>}
 */
export async function targets(gatewayBuildDir, store) {
  const { compat, gateway } = await wranglerConfig();
  const workersDir = join(BENCH_DIR, "workers");
  const list = [
    {
      name: "bare",
      label: "(a) bare Worker",
      gateway: false,
      options: { ...compat, modules: true, modulesRoot: workersDir, scriptPath: join(workersDir, "bare.js") },
      shared: {},
    },
    {
      name: "minimal-do",
      label: "(b) minimal DO Worker",
      gateway: false,
      options: {
        ...compat,
        modules: true,
        modulesRoot: workersDir,
        scriptPath: join(workersDir, "minimal-do.js"),
        durableObjects: { OBJ: { className: "EventLog", useSQLite: true } },
      },
      shared: doStorage(join(store.persistRoot, "minimal-do")),
    },
  ];
  if (gatewayBuildDir) {
    list.push({
      name: "gateway",
      label: "(c) gateway",
      gateway: true,
      options: {
        ...gateway,
        modules: bundleModules(gatewayBuildDir),
        modulesRoot: gatewayBuildDir,
      },
      shared: doStorage(join(store.persistRoot, "gateway")),
    });
  }
  return list;
}
