/**
 * @module tools/simulate/run
 * Sends simulated calls through an injected `fetch` and judges every answer: KooGallery wants HTTP 200,
 * the expected `resultCode` and a `Body-Sign` that verifies with the access key; ActivePlatform wants a
 * 2xx. The fetch is a parameter so the same code drives a real gateway (Node's fetch), the Worker
 * in-process (`exports.default.fetch` in workerd) or a test server. No Node-only imports.
 */
import { decryptCredential, verifyBodySign } from "../lib/koogallery-signer.mjs";
import { newSubscriptionId } from "./ap-bodies.mjs";
import { buildCall, SimulatorInputError, TARGETS } from "./calls.mjs";
import { orderId as newOrderId } from "./ids.mjs";

export const SCENARIOS = Object.freeze(["full-lifecycle"]);
export const DEFAULT_SCENARIO_TARGET = "koogallery-v2";

/** docs/koogallery.md §4. @type {Readonly<Record<string, string>>} */
export const RESULT_MEANINGS = Object.freeze({
  "000000": "success",
  "000001": "authentication failed",
  "000002": "invalid request parameter",
  "000003": "instance ID does not exist",
  "000004": "request being processed",
  "000005": "other internal error",
  "000100": "no instance resource can be allocated",
  "000101": "mobile number empty or already exists",
  "000102": "e-mail empty or already exists",
  "000103": "product already purchased",
  "000104": "internal service error of the product",
  "000105": "account already subscribed to the benefit",
  "000106": "product resources sold out",
  "000107": "SaaS e-mail domain already exists",
});

/**
 * @typedef {import("./calls.mjs").CallOptions & { target?: string, action?: string, scenario?: string }} RunOptions
 * @typedef {(url: string, init: { method: string, headers: Record<string, string>, body?: string }) => Promise<Response>} FetchLike
 * @typedef {import("./calls.mjs").SimulatedCall} SimulatedCall
 */

/**
 * @typedef {object} Step
 * @property {string} name what the step does ("provision", or the action for a single call)
 * @property {string} target
 * @property {string} action
 * @property {SimulatedCall} request
 * @property {string} expected e.g. "resultCode 000000" or "HTTP 2xx"
 * @property {number | null} status null when no answer arrived
 * @property {string | null} text answer body as received
 * @property {unknown} body answer body parsed as JSON, null when it is not JSON
 * @property {string | null} resultCode KooGallery only
 * @property {string | null} bodySign the raw `Body-Sign` header
 * @property {boolean | null} bodySignVerified null for ActivePlatform (its answers are not signed)
 * @property {{ field: string, decrypts: boolean }[]} credentials V1 appInfo credentials checked with the key
 * @property {string[]} problems empty when the step succeeded
 * @property {boolean} ok
 * @property {number} ms
 */

/**
 * @typedef {object} RunResult
 * @property {boolean} ok every step succeeded and nothing was left out
 * @property {string} target
 * @property {string} [action]
 * @property {string} [scenario]
 * @property {Step[]} steps
 * @property {string[]} notRun scenario steps skipped after a failure
 */

/**
 * One call: `opts.target` + `opts.action`.
 * @param {RunOptions} opts @param {FetchLike} fetchImpl
 * @returns {Promise<RunResult>}
 */
export async function runAction(opts, fetchImpl) {
  const target = need(opts.target, "target");
  const action = need(opts.action, "action");
  const step = await send(action, target, action, buildCall(target, action, opts), opts, fetchImpl);
  return { ok: step.ok, target, action, steps: [step], notRun: [] };
}

/**
 * `full-lifecycle` for one new instance of `opts.target` (default koogallery-v2). KooGallery:
 * provision → renew → expire → release → release again (a duplicate must still succeed).
 * ActivePlatform: create → renew → stop → activate → delete. Stops at the first failed step, since
 * later steps depend on the ids earlier answers carry. `--instance` and `--body` are not used.
 * @param {RunOptions} opts @param {FetchLike} fetchImpl
 * @returns {Promise<RunResult>}
 */
export async function runScenario(opts, fetchImpl) {
  const scenario = opts.scenario ?? "full-lifecycle";
  if (!SCENARIOS.includes(scenario)) throw new SimulatorInputError(`unknown scenario ${JSON.stringify(scenario)}; one of ${SCENARIOS.join(", ")}`);
  const target = opts.target ?? DEFAULT_SCENARIO_TARGET;
  if (!(target in TARGETS)) throw new SimulatorInputError(`unknown target ${JSON.stringify(target)}; one of ${Object.keys(TARGETS).join(", ")}`);
  /** @type {RunOptions} */
  const base = { ...opts, instanceId: undefined, orderId: undefined, body: undefined, externalId: undefined, userId: undefined };
  const plan = target === "activeplatform" ? activePlatformLifecycle(base) : kooGalleryLifecycle(target, base, opts);

  /** @type {Step[]} */
  const steps = [];
  /** @type {Record<string, string>} */
  const ids = {};
  for (const [i, def] of plan.entries()) {
    const step = await send(def.name, target, def.action, buildCall(target, def.action, def.options(ids)), opts, fetchImpl);
    steps.push(step);
    if (step.ok && def.capture) {
      const value = def.capture(step.body);
      if (value) ids[def.captureAs ?? "id"] = value;
      else {
        step.problems.push(`answer carries no ${def.captureAs}`);
        step.ok = false;
      }
    }
    if (!step.ok) return { ok: false, target, scenario, steps, notRun: plan.slice(i + 1).map((d) => d.name) };
  }
  return { ok: true, target, scenario, steps, notRun: [] };
}

/**
 * @typedef {object} StepDef
 * @property {string} name
 * @property {string} action
 * @property {(ids: Record<string, string>) => RunOptions} options
 * @property {(body: unknown) => string | undefined} [capture]
 * @property {string} [captureAs]
 */

/**
 * @param {string} target @param {RunOptions} base @param {RunOptions} opts
 * @returns {StepDef[]}
 */
function kooGalleryLifecycle(target, base, opts) {
  const v1 = target === "koogallery-v1";
  const provisionOrder = opts.orderId ?? newOrderId("CS", opts.now);
  /** @param {Record<string, string>} ids @param {RunOptions} [extra] */
  const on = (ids, extra = {}) => ({ ...base, instanceId: ids.instanceId, ...extra });
  // V1 expire/release name the original order; V2 release carries an order only for unsubscriptions.
  /** @param {Record<string, string>} ids */
  const release = (ids) => on(ids, v1 ? { orderId: provisionOrder } : {});
  return [
    {
      name: "provision",
      action: "newInstance",
      options: () => ({ ...base, orderId: provisionOrder, expireTime: undefined }),
      capture: (body) => stringField(body, "instanceId"),
      captureAs: "instanceId",
    },
    { name: "renew", action: "refreshInstance", options: (ids) => on(ids) },
    v1
      ? { name: "expire", action: "expireInstance", options: (ids) => on(ids, { orderId: provisionOrder }) }
      : { name: "expire", action: "updateInstanceStatus", options: (ids) => on(ids, { status: "FREEZE" }) },
    { name: "release", action: "releaseInstance", options: release },
    { name: "release again (duplicate)", action: "releaseInstance", options: release },
  ];
}

/** @param {RunOptions} base @returns {StepDef[]} */
function activePlatformLifecycle(base) {
  const subscriptionId = base.subscriptionId ?? newSubscriptionId();
  /** @param {Record<string, string>} ids */
  const on = (ids) => ({ ...base, subscriptionId, externalId: ids.externalId });
  return [
    {
      name: "create",
      action: "subscription/create",
      options: () => ({ ...base, subscriptionId }),
      capture: (body) => stringField(body, "external_id"),
      captureAs: "externalId",
    },
    { name: "renew", action: "subscription/renew", options: on },
    { name: "stop", action: "subscription/stop", options: on },
    { name: "activate", action: "subscription/activate", options: on },
    { name: "delete", action: "subscription/delete", options: on },
  ];
}

/**
 * Sends one call and judges the answer.
 * @param {string} name @param {string} target @param {string} action
 * @param {SimulatedCall} call @param {RunOptions} opts @param {FetchLike} fetchImpl
 * @returns {Promise<Step>}
 */
async function send(name, target, action, call, opts, fetchImpl) {
  const koo = target !== "activeplatform";
  const okCodes = target === "koogallery-v2" && action === "newInstance" ? ["000000", "000004"] : ["000000"];
  /** @type {Step} */
  const step = {
    name,
    target,
    action,
    request: call,
    expected: koo ? `resultCode ${okCodes.join(" or ")}` : "HTTP 2xx",
    status: null,
    text: null,
    body: null,
    resultCode: null,
    bodySign: null,
    bodySignVerified: koo ? false : null,
    credentials: [],
    problems: [],
    ok: false,
    ms: 0,
  };
  const started = Date.now();
  let response;
  try {
    /** @type {{ method: string, headers: Record<string, string>, body?: string }} */
    const init = { method: call.method, headers: call.headers };
    if (call.body !== null) init.body = call.body;
    response = await fetchImpl(call.url, init);
    step.text = await response.text();
  } catch (err) {
    step.ms = Date.now() - started;
    step.problems.push(`no answer from ${new URL(call.url).origin}: ${describeError(err)}`);
    return step;
  }
  step.ms = Date.now() - started;
  step.status = response.status;
  step.body = parseJson(step.text);

  if (koo) {
    step.bodySign = response.headers.get("Body-Sign");
    step.bodySignVerified = verifyBodySign(opts.key ?? "", step.text, step.bodySign);
    if (response.status !== 200) step.problems.push(`HTTP ${response.status}, KooGallery expects 200`);
    const code = stringField(step.body, "resultCode");
    step.resultCode = code ?? null;
    if (code === undefined) step.problems.push("answer has no resultCode");
    else if (!okCodes.includes(code)) step.problems.push(`resultCode ${code} (${RESULT_MEANINGS[code] ?? "unknown code"}), expected ${okCodes.join(" or ")}`);
    if (!step.bodySignVerified) step.problems.push(step.bodySign === null ? "Body-Sign header missing" : "Body-Sign NOT VERIFIED");
    if (target === "koogallery-v1" && opts.key) {
      step.credentials = checkCredentials(opts.key, step.body);
      for (const c of step.credentials) if (!c.decrypts) step.problems.push(`${c.field} does not decrypt with the access key`);
    }
  } else {
    if (response.status < 200 || response.status > 299) {
      const message = errorMessage(step.body);
      step.problems.push(`HTTP ${response.status}, expected 2xx${message ? `: ${message}` : ""}`);
    } else if (action === "user/create" && !stringField(step.body, "id")) {
      step.problems.push('user/create answer carries no "id"');
    }
  }
  step.ok = step.problems.length === 0;
  return step;
}

/**
 * V1 returns `userName`/`password` AES-encrypted (docs/koogallery.md §2.4): check each decrypts with the key.
 * Only whether it decrypts is recorded, never the plaintext.
 * @param {string} key @param {unknown} body
 * @returns {{ field: string, decrypts: boolean }[]}
 */
function checkCredentials(key, body) {
  /** @type {[string, unknown][]} */
  const infos = [["appInfo", field(body, "appInfo")]];
  const list = field(body, "info");
  if (Array.isArray(list)) list.forEach((entry, i) => infos.push([`info[${i}].appInfo`, field(entry, "appInfo")]));
  const out = [];
  for (const [path, appInfo] of infos) {
    for (const name of ["userName", "password"]) {
      const wire = stringField(appInfo, name);
      if (wire) out.push({ field: `${path}.${name}`, decrypts: decryptCredential(key, wire) !== null });
    }
  }
  return out;
}

/** @param {unknown} body */
function errorMessage(body) {
  const task = field(body, "task");
  return stringField(task, "error_message") ?? stringField(field(body, "error"), "message");
}

/** @param {unknown} obj @param {string} name @returns {unknown} */
function field(obj, name) {
  return obj && typeof obj === "object" && !Array.isArray(obj) ? /** @type {Record<string, unknown>} */ (obj)[name] : undefined;
}

/** @param {unknown} obj @param {string} name @returns {string | undefined} */
function stringField(obj, name) {
  const v = field(obj, name);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** @param {string} text @returns {unknown} */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Node's fetch hides the socket error in `cause` ("fetch failed" alone says nothing). @param {unknown} err */
function describeError(err) {
  if (!(err instanceof Error)) return String(err);
  const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (err).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

/** @template T @param {T | undefined} v @param {string} what @returns {T} */
function need(v, what) {
  if (v === undefined) throw new SimulatorInputError(`missing ${what}`);
  return v;
}
