/**
 * @module tools/mocks/cli
 * `npm run mocks` / `node tools/mocks/index.mjs`: flags and environment to {@link startMocks}
 * options, a startup summary, and clean shutdown on Ctrl-C.
 */
import { parseArgs } from "node:util";
import { DEFAULTS, startMocks } from "./mocks.mjs";

const SERVERS = ["vendor", "koodrive", "mor"];
const FAULT_FLAGS = {
  "fail-rate": "failRate",
  "fail-status": "failStatus",
  "retry-after": "retryAfterS",
  latency: "latencyMs",
  "slow-rate": "slowRate",
  "slow-ms": "slowMs",
  status: "status",
  "down-for": "downForS",
};

const USAGE = `Usage: node tools/mocks/index.mjs [options]

Local mock partners for lifecycle-gateway: one process, three HTTP servers.
  vendor    webhook receiver (Standard Webhooks)   default http://127.0.0.1:9101/webhooks (any path)
  koodrive  KooDrive carrier API                   default http://127.0.0.1:9102
  mor       Kolmisoft MOR billing API              default http://127.0.0.1:9103
Each request prints one line: method, path, status, verdict, key fields (never secrets).

Options:
  --port-base <n>            vendor=n, koodrive=n+1, mor=n+2 (default ${DEFAULTS.portBase}; 0 = any free ports)
  --host <addr>              listen address (default ${DEFAULTS.host})
  --vendor-secret <whsec_..> env VENDOR_WEBHOOK_SECRET, default ${DEFAULTS.vendor.secret}
  --koodrive-account <a>     env KOODRIVE_ACCOUNT, default ${DEFAULTS.koodrive.account}
  --koodrive-password <p>    env KOODRIVE_PASSWORD, default ${DEFAULTS.koodrive.password}
  --koodrive-app-id <id>     env KOODRIVE_APP_ID, default ${DEFAULTS.koodrive.appId}
  --koodrive-app-secret <s>  env KOODRIVE_APP_SECRET, default ${DEFAULTS.koodrive.appSecret}
  --token-ttl <seconds>      KooDrive session lifetime (expiresIn), default ${DEFAULTS.koodrive.tokenTtlS}
  --mor-user <u>             env MOR_USERNAME, default ${DEFAULTS.mor.user}
  --mor-secret <s>           env MOR_API_SECRET, default ${DEFAULTS.mor.secret}
  --mor-disabled-as-error    answer delete action 2 as <error>Subscription disabled</error>
  --quiet                    no per-request lines

Failure injection (all servers; prefix with vendor-, koodrive- or mor- for one server,
e.g. --mor-fail-rate 0.5; the prefixed form wins):
  --fail-rate <0..1>         refuse this share of requests (with --fail-status, default 503)
  --fail-status <code>       status of those refusals, e.g. 429
  --retry-after <seconds>    refusals carry Retry-After: <seconds>
  --latency <ms>             wait before every answer
  --slow-rate <0..1>         process this share of requests, then hold the answer back --slow-ms
  --slow-ms <ms>             e.g. 16000, past the gateway's 15 s client timeout
  --status <code>            always answer this HTTP status
  --down-for <seconds>       answer 503 to everything for the first N seconds after start
Refusals happen before the partner logic, so a refused request changes no mock state; a slow
answer comes after the work is done, so the caller cannot tell whether it was.

Runtime switch (each server): GET shows the settings, POST a JSON patch changes them, DELETE
restores the start settings; "downForS" then counts from the moment it is set, null unsets:
  curl -X POST http://127.0.0.1:9103/__mock/faults -d '{"failRate":0.6,"downForS":120}'

  --help                     this text
`;

/** @returns {import("node:util").ParseArgsConfig["options"]} */
function flagSpec() {
  /** @type {Record<string, {type: "string"|"boolean"}>} */
  const spec = {
    help: { type: "boolean" },
    quiet: { type: "boolean" },
    "port-base": { type: "string" },
    host: { type: "string" },
    "vendor-secret": { type: "string" },
    "koodrive-account": { type: "string" },
    "koodrive-password": { type: "string" },
    "koodrive-app-id": { type: "string" },
    "koodrive-app-secret": { type: "string" },
    "token-ttl": { type: "string" },
    "mor-user": { type: "string" },
    "mor-secret": { type: "string" },
    "mor-disabled-as-error": { type: "boolean" },
  };
  for (const flag of Object.keys(FAULT_FLAGS)) {
    spec[flag] = { type: "string" };
    for (const s of SERVERS) spec[`${s}-${flag}`] = { type: "string" };
  }
  return spec;
}

/**
 * @param {string|undefined} raw
 * @param {string} flag
 * @param {{min?: number, max?: number, integer?: boolean}} rule
 * @returns {number|undefined}
 */
function num(raw, flag, rule) {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const ok =
    raw.trim() !== "" &&
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.max === undefined || n <= rule.max);
  if (!ok) {
    const range = `${rule.integer ? "an integer" : "a number"}${rule.min !== undefined ? ` >= ${rule.min}` : ""}${rule.max !== undefined ? ` and <= ${rule.max}` : ""}`;
    throw new UsageError(`--${flag} must be ${range}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

class UsageError extends Error {}

/**
 * @param {string[]} argv arguments after the script name
 * @param {Record<string, string|undefined>} env
 * @returns {{help: true}|{help: false, options: import("./mocks.mjs").MockOptions}}
 */
export function parseCli(argv, env) {
  /** @type {Record<string, string|boolean|undefined>} */
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: flagSpec(), strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { help: true };
  /** @param {string} name string flags; boolean ones are read as `values[name] === true` */
  const str = (name) => (typeof values[name] === "string" ? values[name] : undefined);

  /** @param {string} prefix */
  const faults = (prefix) => {
    /** @type {Record<string, number|undefined>} */
    const out = {};
    for (const [flag, key] of Object.entries(FAULT_FLAGS)) {
      const name = `${prefix}${flag}`;
      const rule =
        key === "failRate" || key === "slowRate"
          ? { min: 0, max: 1 }
          : key === "status" || key === "failStatus"
            ? { min: 100, max: 599, integer: true }
            : key === "retryAfterS"
              ? { min: 0, integer: true }
              : { min: 0 };
      out[key] = num(str(name), name, rule);
    }
    return out;
  };
  /** @param {string} flag @param {string} [envName] @returns {string|undefined} */
  const pick = (flag, envName) => str(flag) ?? (envName ? env[envName] || undefined : undefined);

  return {
    help: false,
    options: {
      host: str("host"),
      portBase: num(str("port-base"), "port-base", { min: 0, max: 65533, integer: true }),
      faults: faults(""),
      vendor: { secret: pick("vendor-secret", "VENDOR_WEBHOOK_SECRET"), faults: faults("vendor-") },
      koodrive: {
        account: pick("koodrive-account", "KOODRIVE_ACCOUNT"),
        password: pick("koodrive-password", "KOODRIVE_PASSWORD"),
        appId: pick("koodrive-app-id", "KOODRIVE_APP_ID"),
        appSecret: pick("koodrive-app-secret", "KOODRIVE_APP_SECRET"),
        tokenTtlS: num(str("token-ttl"), "token-ttl", { min: 1 }),
        faults: faults("koodrive-"),
      },
      mor: {
        user: pick("mor-user", "MOR_USERNAME"),
        secret: pick("mor-secret", "MOR_API_SECRET"),
        disabledAsError: values["mor-disabled-as-error"] === true || undefined,
        faults: faults("mor-"),
      },
      log: values.quiet ? false : undefined,
    },
  };
}

/**
 * Run the CLI; resolves once the servers listen. Exits the process with 2 on bad usage.
 * @param {string[]} argv
 * @param {Record<string, string|undefined>} [env]
 */
export async function runCli(argv, env = process.env) {
  let parsed;
  try {
    parsed = parseCli(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`mocks: ${err.message}\nRun with --help for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return;
  }
  let mocks;
  try {
    mocks = await startMocks(parsed.options);
  } catch (err) {
    process.stderr.write(`mocks: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
    return;
  }
  const lines = [
    "mock partners listening:",
    `  vendor    ${mocks.urls.vendor}  (any path; POST)`,
    `  koodrive  ${mocks.urls.koodrive}`,
    `  mor       ${mocks.urls.mor}/billing/api/<method>`,
    "gateway settings (.dev.vars / [vars]) pointing here; secrets are the mock's, see --help:",
    ...Object.entries(mocks.gatewayVars).map(([k, v]) => `  ${k}=${v}`),
    "Ctrl-C to stop.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void mocks.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
