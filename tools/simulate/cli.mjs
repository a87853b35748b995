/**
 * @module tools/simulate/cli
 * `npm run simulate -- <target> <action> [options]`: flags and `.dev.vars` to run options, one
 * call or a scenario against a running gateway, printed for people or as JSON.
 * Exit codes: 0 every step succeeded, 1 a step failed, 2 bad usage.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_AP_GUID, DEFAULT_RESELLER_ID, DEFAULT_URL, SimulatorInputError, TARGETS } from "./calls.mjs";
import { loadDevVars } from "./dev-vars.mjs";
import { formatJson, formatResult } from "./format.mjs";
import { DEFAULT_SCENARIO_TARGET, runAction, runScenario, SCENARIOS } from "./run.mjs";

const DEFAULT_TIMEOUT_S = 15;

/** Actions as indented, comma-separated lines of at most ~100 characters. @param {readonly string[]} items */
function list(items) {
  const lines = [];
  let line = "";
  for (const item of items) {
    const next = line ? `${line}, ${item}` : item;
    if (next.length > 90 && line) {
      lines.push(`${line},`);
      line = item;
    } else line = next;
  }
  lines.push(line);
  return lines.map((l) => `      ${l}`).join("\n");
}

const USAGE = `Usage: npm run simulate -- <target> <action> [options]
       npm run simulate -- --scenario full-lifecycle [--target <target>] [options]

Sends correctly signed marketplace calls to a running lifecycle-gateway and checks the answers
(KooGallery: resultCode and Body-Sign; ActivePlatform: HTTP 2xx). Signing is an implementation
independent of src/ (tools/lib/koogallery-signer.mjs), so this also checks the gateway.

Targets and actions:
  koogallery-v1   GET /koogallery, authToken-signed query
${list(TARGETS["koogallery-v1"])}
  koogallery-v2   POST /koogallery, signature/timestamp/nonce, compact key-sorted JSON
${list(TARGETS["koogallery-v2"])}
  activeplatform  POST /activeplatform/<path secret>/..., ?ap_guid=&reseller_id=
${list(TARGETS.activeplatform)}

Scenario:
  --scenario full-lifecycle   one new instance, each answer shown; stops at the first failure
      koogallery-v1/-v2 (default ${DEFAULT_SCENARIO_TARGET}): provision, renew, expire, release, release again
      activeplatform: subscription create, renew, stop, activate, delete
  --target <target>           the scenario's target (or give it as the first argument)

Options:
  --url <url>               gateway base URL (default ${DEFAULT_URL}, the local wrangler dev)
  --instance <id>           instanceId (KooGallery calls after newInstance)
  --order <id>              orderId (default: a fresh one; renewals and upgrades need a NEW one)
  --expire-time <t>         yyyyMMddHHmmss (default: newInstance +1 month, refreshInstance +2 months)
  --status <s>              FREEZE | UNFREEZE | NORMAL (instanceStatus / updateInstanceStatus, default FREEZE)
  --test-flag <0|1>         KooGallery testFlag (default 1: debug traffic, only the vendor connector reacts)
  --body <json|@file>       KooGallery: members merged over the default parameters;
                            ActivePlatform: the whole body, sent as given
  --key <k>                 KooGallery access key (default KOOGALLERY_ACCESS_KEY from .dev.vars)
  --path-secret <s>         ActivePlatform path secret (default ACTIVEPLATFORM_PATH_SECRET from .dev.vars)
  --ap-guid <guid>          ap_guid (default first ACTIVEPLATFORM_ALLOWED_AP_GUIDS entry, else ${DEFAULT_AP_GUID})
  --reseller-id <id>        reseller_id (default ${DEFAULT_RESELLER_ID})
  --external-id <id>        external_id for subscription events after create
  --user-id <id>            id for user events after user/create
  --subscription-id <id>    ActivePlatform subscription.id (default: a fresh one)
  --dev-vars <path>         KEY=VALUE file with the keys (default .dev.vars, else .dev.vars.example)
  --timeout <seconds>       per request (default ${DEFAULT_TIMEOUT_S})
  --json                    machine-readable result on stdout
  --help                    this text

Output masks the path secret, signatures (first characters kept) and passwords.
Exit code: 0 all steps succeeded, 1 a step failed (wrong resultCode or HTTP status, or a
Body-Sign that does not verify), 2 bad usage.

Examples:
  npm run simulate -- koogallery-v2 newInstance
  npm run simulate -- koogallery-v1 refreshInstance --instance <id> --expire-time 20270101000000
  npm run simulate -- koogallery-v2 updateInstanceStatus --instance <id> --status UNFREEZE
  npm run simulate -- activeplatform subscription/renew --external-id <id>
  npm run simulate -- --scenario full-lifecycle --target koogallery-v1
  npm run simulate -- --scenario full-lifecycle --target activeplatform --url https://gw.example.com
`;

const FLAGS = /** @type {const} */ ({
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  url: { type: "string" },
  instance: { type: "string" },
  order: { type: "string" },
  "expire-time": { type: "string" },
  status: { type: "string" },
  "test-flag": { type: "string" },
  body: { type: "string" },
  key: { type: "string" },
  "path-secret": { type: "string" },
  "ap-guid": { type: "string" },
  "reseller-id": { type: "string" },
  "external-id": { type: "string" },
  "user-id": { type: "string" },
  "subscription-id": { type: "string" },
  "dev-vars": { type: "string" },
  scenario: { type: "string" },
  target: { type: "string" },
  timeout: { type: "string" },
});

/**
 * @typedef {object} ParsedCli
 * @property {boolean} help
 * @property {boolean} json
 * @property {"action" | "scenario"} mode
 * @property {import("./run.mjs").RunOptions} opts
 * @property {number} timeoutMs
 * @property {string | undefined} keySource where the secret for the target came from
 */

/**
 * @param {string[]} argv arguments after the script name
 * @param {string} cwd resolves --dev-vars and --body @file
 * @returns {ParsedCli}
 */
function parseCli(argv, cwd = process.cwd()) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
  } catch (err) {
    throw new SimulatorInputError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true, json: false, mode: "action", opts: {}, timeoutMs: 0, keySource: undefined };

  const scenario = values.scenario;
  let target;
  let action;
  if (scenario !== undefined) {
    if (!SCENARIOS.includes(scenario)) throw new SimulatorInputError(`unknown scenario ${JSON.stringify(scenario)}; one of ${SCENARIOS.join(", ")}`);
    if (positionals.length > 1) throw new SimulatorInputError(`a scenario takes no action (got ${JSON.stringify(positionals[1])})`);
    if (values.target && positionals[0] && values.target !== positionals[0]) throw new SimulatorInputError("--target and the first argument disagree");
    target = values.target ?? positionals[0] ?? DEFAULT_SCENARIO_TARGET;
  } else {
    if (positionals.length !== 2) throw new SimulatorInputError("expected <target> <action> (or --scenario full-lifecycle)");
    [target, action] = positionals;
  }
  const actions = /** @type {Record<string, readonly string[]>} */ (TARGETS)[target ?? ""];
  if (!actions) throw new SimulatorInputError(`unknown target ${JSON.stringify(target)}; one of ${Object.keys(TARGETS).join(", ")}`);
  if (action !== undefined && !actions.includes(action)) {
    throw new SimulatorInputError(`unknown ${target} action ${JSON.stringify(action)}; one of ${actions.join(", ")}`);
  }

  check(values["expire-time"], /^\d{14}(\d{3})?$/, "--expire-time must be yyyyMMddHHmmss");
  check(values.status, /^(FREEZE|UNFREEZE|NORMAL)$/, "--status must be FREEZE, UNFREEZE or NORMAL");
  check(values["test-flag"], /^[01]$/, "--test-flag must be 0 or 1");
  if (values.url !== undefined && !/^https?:\/\/[^/]/.test(values.url)) throw new SimulatorInputError("--url must be an http(s) URL");
  const timeoutS = values.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new SimulatorInputError("--timeout must be a positive number of seconds");

  let devVars;
  try {
    devVars = loadDevVars({ path: values["dev-vars"], cwd });
  } catch (err) {
    throw new SimulatorInputError(err instanceof Error ? err.message : String(err));
  }
  const vars = devVars.vars;
  const fromFile = devVars.source ?? undefined;
  const ap = target === "activeplatform";
  const secretFlag = ap ? values["path-secret"] : values.key;
  const secretVar = ap ? vars.ACTIVEPLATFORM_PATH_SECRET : vars.KOOGALLERY_ACCESS_KEY;

  return {
    help: false,
    json: values.json ?? false,
    mode: scenario !== undefined ? "scenario" : "action",
    timeoutMs: timeoutS * 1000,
    keySource: secretFlag ? `--${ap ? "path-secret" : "key"}` : secretVar ? fromFile : undefined,
    opts: {
      target,
      action,
      scenario,
      url: values.url ?? DEFAULT_URL,
      key: values.key ?? (vars.KOOGALLERY_ACCESS_KEY || undefined),
      pathSecret: values["path-secret"] ?? (vars.ACTIVEPLATFORM_PATH_SECRET || undefined),
      apGuid: values["ap-guid"] ?? firstListed(vars.ACTIVEPLATFORM_ALLOWED_AP_GUIDS),
      resellerId: values["reseller-id"],
      instanceId: values.instance,
      orderId: values.order,
      expireTime: values["expire-time"],
      status: values.status,
      testFlag: values["test-flag"],
      externalId: values["external-id"],
      userId: values["user-id"],
      subscriptionId: values["subscription-id"],
      body: values.body === undefined ? undefined : readBody(values.body, cwd),
    },
  };
}

/**
 * @param {string[]} argv
 * @param {{ stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream, cwd?: string, fetchImpl?: typeof fetch }} [io]
 * @returns {Promise<number>} exit code
 */
export async function runCli(argv, io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const baseFetch = io.fetchImpl ?? globalThis.fetch;
  let cli;
  try {
    cli = parseCli(argv, io.cwd);
  } catch (err) {
    if (!(err instanceof SimulatorInputError)) throw err;
    stderr.write(`simulate: ${err.message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (cli.help) {
    stdout.write(USAGE);
    return 0;
  }
  /** @type {import("./run.mjs").FetchLike} */
  const fetchImpl = (url, init) => baseFetch(url, { ...init, signal: AbortSignal.timeout(cli.timeoutMs) });
  let result;
  try {
    result = cli.mode === "scenario" ? await runScenario(cli.opts, fetchImpl) : await runAction(cli.opts, fetchImpl);
  } catch (err) {
    if (!(err instanceof SimulatorInputError)) throw err;
    stderr.write(`simulate: ${err.message}\nRun with --help for usage.\n`);
    return 2;
  }
  const ctx = { pathSecret: cli.opts.pathSecret, keySource: cli.keySource };
  stdout.write(cli.json ? formatJson(result, ctx) : formatResult(result, ctx));
  return result.ok ? 0 : 1;
}

/** @param {string | undefined} value @param {RegExp} re @param {string} message */
function check(value, re, message) {
  if (value !== undefined && !re.test(value)) throw new SimulatorInputError(message);
}

/** @param {string | undefined} csv */
function firstListed(csv) {
  const first = (csv ?? "")
    .split(",")
    .map((s) => s.trim())
    .find((s) => s !== "");
  return first || undefined;
}

/** `@path` reads the file; anything else is the JSON itself. @param {string} value @param {string} cwd */
function readBody(value, cwd) {
  if (!value.startsWith("@")) return value;
  try {
    return readFileSync(resolve(cwd, value.slice(1)), "utf8");
  } catch {
    throw new SimulatorInputError(`--body file not readable: ${value.slice(1)}`);
  }
}
