/**
 * @module tools/mocks/mocks
 * Starts the three mock partners in this process: vendor webhook receiver, KooDrive carrier API and
 * MOR billing API, each on its own port. Used by the CLI and by other tools and tests that want a
 * gateway's outbound calls to land somewhere observable.
 */
import { mergeFaults } from "./faults.mjs";
import { createKooDriveHandler, koodriveUserId } from "./koodrive.mjs";
import { createMorHandler } from "./mor.mjs";
import { CONTROL_PATH, startServer } from "./server.mjs";
import { DEFAULT_VENDOR_SECRET, createVendorHandler } from "./vendor.mjs";

const DEFAULT_PORT_BASE = 9101;

/** Defaults for every partner setting; the CLI's --help shows the same values. */
export const DEFAULTS = Object.freeze({
  host: "127.0.0.1",
  portBase: DEFAULT_PORT_BASE,
  vendor: Object.freeze({ secret: DEFAULT_VENDOR_SECRET, path: "/webhooks" }),
  koodrive: Object.freeze({ account: "carrier-admin", password: "carrier-pass", appId: "mock-app-id", appSecret: "mock-app-secret", tokenTtlS: 1800 }),
  mor: Object.freeze({ user: "admin", secret: "mor-secret", disabledAsError: false }),
});

/**
 * @typedef {Partial<import("./faults.mjs").Faults>} FaultOptions
 *
 * @typedef {object} MockOptions
 * @property {string} [host]      default 127.0.0.1
 * @property {number} [portBase]  vendor = base, koodrive = base+1, mor = base+2; 0 = any free ports
 * @property {{vendor?: number, koodrive?: number, mor?: number}} [ports] explicit ports, win over portBase
 * @property {FaultOptions} [faults] applied to all three servers
 * @property {{secret?: string, path?: string, faults?: FaultOptions}} [vendor] path only shapes urls.vendor; any path is accepted
 * @property {{account?: string, password?: string, appId?: string, appSecret?: string, tokenTtlS?: number, faults?: FaultOptions}} [koodrive]
 * @property {{user?: string, secret?: string, disabledAsError?: boolean, faults?: FaultOptions}} [mor]
 * @property {((line: string) => void)|false} [log] one line per request; default console.log, false = silent
 * @property {() => number} [now]    clock in epoch ms (tests move it to expire tokens and timestamps)
 * @property {() => number} [random] in [0,1), drives failRate
 */

/**
 * @typedef {"vendor"|"koodrive"|"mor"} PartnerName
 *
 * @typedef {object} RunningMocks
 * @property {{vendor: string, koodrive: string, mor: string}} urls  vendor: full webhook URL
 *   (VENDOR_WEBHOOK_URL); koodrive, mor: base URLs (KOODRIVE_BASE_URL, MOR_BASE_URL)
 * @property {{vendor: number, koodrive: number, mor: number}} ports
 * @property {Record<PartnerName, import("./server.mjs").Received[]>} received every request, in order
 * @property {Record<string, string>} gatewayVars non-secret gateway settings pointing at these mocks
 * @property {{vendor: string, koodrive: string, mor: string}} controlUrls each server's runtime fault
 *   switch (GET shows, POST a JSON patch, DELETE restores the start settings)
 * @property {(server: "vendor"|"koodrive"|"mor"|"all", patch: Record<string, unknown>) => void} setFaults
 *   the same switch in-process; `downForS` counts from now, `null` unsets `status`/`retryAfterS`
 * @property {(server?: "vendor"|"koodrive"|"mor"|"all") => void} resetFaults back to the start settings
 * @property {() => Record<"vendor"|"koodrive"|"mor", import("./faults.mjs").Faults>} faults current settings
 * @property {{subscriptions: () => Array<Record<string, string>>, edit: (id: string, change: {end?: number|string|null, state?: "active"|"disabled"|"deleted"}) => unknown}} mor
 *   MOR's subscriptions: list them, or change one behind the gateway's back
 * @property {() => Promise<void>} close
 */

/**
 * @param {MockOptions} [options]
 * @returns {Promise<RunningMocks>}
 */
export async function startMocks(options = {}) {
  const host = options.host ?? DEFAULTS.host;
  const base = options.portBase ?? DEFAULTS.portBase;
  /** @param {PartnerName} name @param {number} offset */
  const portFor = (name, offset) => options.ports?.[name] ?? (base === 0 ? 0 : base + offset);
  const vendorCfg = { ...DEFAULTS.vendor, ...defined(options.vendor) };
  const kooCfg = { ...DEFAULTS.koodrive, ...defined(options.koodrive) };
  const morCfg = { ...DEFAULTS.mor, ...defined(options.mor) };
  if (!(Number.isFinite(kooCfg.tokenTtlS) && kooCfg.tokenTtlS > 0)) throw new RangeError("koodrive tokenTtlS must be a positive number");
  const clock = { now: options.now ?? Date.now, random: options.random ?? Math.random };
  const log = options.log === false ? undefined : (options.log ?? ((line) => console.log(line)));
  /** @type {Record<PartnerName, import("./server.mjs").Received[]>} */
  const received = { vendor: [], koodrive: [], mor: [] };

  // The mock vendor "creates" each tenant's MOR subscription when it hands out its id, as a real
  // vendor app does; MOR then knows that id even before the gateway's first update.
  /** @type {Set<string|undefined>} */
  const morIdsHandedOut = new Set();
  const mor = createMorHandler({ ...morCfg, exists: (id) => morIdsHandedOut.has(id) });
  /** @type {Array<[PartnerName, number, import("./reply.mjs").Handler]>} */
  const specs = [
    [
      "vendor",
      0,
      createVendorHandler({
        ...vendorCfg,
        onRefs: (refs) => {
          morIdsHandedOut.add(refs["mor.subscriptionId"]);
          mor.register(refs["mor.subscriptionId"]);
        },
      }),
    ],
    ["koodrive", 1, createKooDriveHandler(kooCfg)],
    ["mor", 2, mor],
  ];
  /** @type {Record<PartnerName, Awaited<ReturnType<typeof startServer>>>} */
  const servers = /** @type {Record<PartnerName, Awaited<ReturnType<typeof startServer>>>} */ (/** @type {unknown} */ ({}));
  try {
    for (const [name, offset, handler] of specs) {
      servers[name] = await startServer({
        name,
        host,
        port: portFor(name, offset),
        handler,
        faults: mergeFaults(options.faults, options[name]?.faults),
        clock,
        log,
        received: received[name],
      });
    }
  } catch (err) {
    await Promise.all(Object.values(servers).map((s) => s.close()));
    throw err;
  }

  const urls = { vendor: `${servers.vendor.url}${vendorCfg.path}`, koodrive: servers.koodrive.url, mor: servers.mor.url };
  const pick = (/** @type {string} */ server) => {
    if (server === "all") return Object.values(servers);
    if (!Object.hasOwn(servers, server)) throw new RangeError(`unknown mock server ${JSON.stringify(server)}`);
    return [servers[/** @type {PartnerName} */ (server)]];
  };
  return {
    urls,
    controlUrls: {
      vendor: `${servers.vendor.url}${CONTROL_PATH}`,
      koodrive: `${servers.koodrive.url}${CONTROL_PATH}`,
      mor: `${servers.mor.url}${CONTROL_PATH}`,
    },
    setFaults: (server, patch) => {
      for (const s of pick(server)) s.setFaults(patch);
    },
    resetFaults: (server = "all") => {
      for (const s of pick(server)) s.resetFaults();
    },
    faults: () => ({ vendor: servers.vendor.faults(), koodrive: servers.koodrive.faults(), mor: servers.mor.faults() }),
    ports: { vendor: servers.vendor.port, koodrive: servers.koodrive.port, mor: servers.mor.port },
    received,
    /** MOR's subscriptions: list them, or change one behind the gateway's back (also over HTTP: POST /__mock/subscriptions/{id}). */
    mor: {
      subscriptions: () => mor.subscriptions(),
      edit: (/** @type {string} */ id, /** @type {{end?: number|string|null, state?: "active"|"disabled"|"deleted"}} */ change) =>
        mor.editSubscription(id, change),
    },
    gatewayVars: {
      VENDOR_WEBHOOK_URL: urls.vendor,
      KOODRIVE_BASE_URL: urls.koodrive,
      KOODRIVE_USER_ID: koodriveUserId(kooCfg.account),
      MOR_BASE_URL: urls.mor,
      // Operational events go to the vendor receiver too, at their own path (same secret by default).
      OPS_WEBHOOK_URL: `${servers.vendor.url}/ops`,
    },
    close: async () => {
      await Promise.all(Object.values(servers).map((s) => s.close()));
    },
  };
}

/** Drop undefined values so they do not override defaults. @param {object|undefined} o */
function defined(o) {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([k, v]) => v !== undefined && k !== "faults"));
}
