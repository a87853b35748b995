/**
 * @module tools/simulate/calls
 * Pure builders of correctly signed marketplace calls: each returns `{ method, url, headers, body }`
 * ready for `fetch`. Signing comes from tools/lib/koogallery-signer.mjs (node:crypto), never from
 * src/, so every simulated call also checks the gateway against a second implementation.
 * No I/O here: keys and bodies arrive already read (the CLI reads `.dev.vars` and `@file`).
 */
import { signV1Query, signV2, v1TimeStamp } from "../lib/koogallery-signer.mjs";
import { subscriptionCreateBody, subscriptionEventBody, newSubscriptionId, userEventBody } from "./ap-bodies.mjs";
import { addMonths, expireTime, orderId as newOrderId, randomHex, uuid } from "./ids.mjs";

export const DEFAULT_URL = "http://127.0.0.1:8787";

/** Simulator-wide defaults for ActivePlatform query identity when neither flags nor .dev.vars give one. */
export const DEFAULT_AP_GUID = "5a1d0c3e-7b2f-4e8a-9d6c-0f1e2d3c4b5a";
export const DEFAULT_RESELLER_ID = "1001";

const PRODUCT_ID = "OFFI000000000000000001";
const UPGRADE_PRODUCT_ID = "OFFI000000000000000002";
const KOO_CONTENT_TYPE = "application/json;charset=utf8";

/** Every action of every target, in the order `--help` lists them. */
export const TARGETS = Object.freeze({
  "koogallery-v1": ["newInstance", "refreshInstance", "expireInstance", "releaseInstance", "upgrade", "instanceStatus", "queryInstance"],
  "koogallery-v2": ["newInstance", "queryInstance", "refreshInstance", "updateInstanceStatus", "releaseInstance", "upgradeInstance"],
  activeplatform: [
    "subscription/create",
    "subscription/renew",
    "subscription/stop",
    "subscription/activate",
    "subscription/delete",
    "subscription/change",
    "subscription/resource_validation",
    "user/create",
    "user/update",
    "user/activate",
    "user/deactivate",
    "user/delete",
  ],
});

/** A missing or malformed option: the CLI prints it with a usage hint and exits 2. */
export class SimulatorInputError extends Error {
  name = "SimulatorInputError";
}

/**
 * @typedef {object} CallOptions
 * @property {string} [url] gateway base URL, default {@link DEFAULT_URL}
 * @property {string} [key] KooGallery access key
 * @property {string} [pathSecret] ACTIVEPLATFORM_PATH_SECRET
 * @property {string} [instanceId]
 * @property {string} [orderId]
 * @property {string} [expireTime] yyyyMMddHHmmss
 * @property {string} [status] FREEZE | UNFREEZE | NORMAL
 * @property {string} [testFlag] "0" | "1", default "1"
 * @property {string | Record<string, unknown>} [body] KooGallery: merged over the defaults; ActivePlatform: replaces the body
 * @property {string} [apGuid]
 * @property {string} [resellerId]
 * @property {string} [externalId]
 * @property {string} [userId]
 * @property {string} [subscriptionId]
 * @property {Date} [now] clock for default expiry times and V1 timeStamp
 */

/**
 * @typedef {object} SimulatedCall
 * @property {string} method
 * @property {string} url
 * @property {Record<string, string>} headers
 * @property {string | null} body
 */

/**
 * @param {string} target one of {@link TARGETS}
 * @param {string} action
 * @param {CallOptions} opts
 * @returns {SimulatedCall}
 */
export function buildCall(target, action, opts) {
  const actions = /** @type {Record<string, readonly string[]>} */ (TARGETS)[target];
  if (!actions) throw new SimulatorInputError(`unknown target ${JSON.stringify(target)}; one of ${Object.keys(TARGETS).join(", ")}`);
  if (!actions.includes(action)) throw new SimulatorInputError(`unknown ${target} action ${JSON.stringify(action)}; one of ${actions.join(", ")}`);
  if (target === "koogallery-v1") return koogalleryV1Call(action, opts);
  if (target === "koogallery-v2") return koogalleryV2Call(action, opts);
  return activePlatformCall(action, opts);
}

/**
 * `GET /koogallery?<params>&authToken=…` (docs/koogallery.md §2.1, §3.1).
 * @param {string} activity @param {CallOptions} opts
 * @returns {SimulatedCall}
 */
export function koogalleryV1Call(activity, opts) {
  const key = need(opts.key, "a KooGallery access key (--key or KOOGALLERY_ACCESS_KEY in .dev.vars)");
  const now = opts.now ?? new Date();
  // --body members win over everything, timeStamp included, so odd calls can be reproduced.
  const params = {
    activity,
    ...v1Params(activity, opts, now),
    testFlag: testFlag(opts),
    timeStamp: v1TimeStamp(now),
    ...stringValues(extraBody(opts.body)),
  };
  const query = signV1Query(key, params);
  return { method: "GET", url: `${gatewayBase(opts)}/koogallery?${query}`, headers: { Accept: "application/json" }, body: null };
}

/**
 * `POST /koogallery?signature=&timestamp=&nonce=` with compact, key-sorted JSON (docs/koogallery.md §2.2, §3.2).
 * @param {string} activity @param {CallOptions & { nonce?: string, timestamp?: string }} opts
 * @returns {SimulatedCall}
 */
export function koogalleryV2Call(activity, opts) {
  const key = need(opts.key, "a KooGallery access key (--key or KOOGALLERY_ACCESS_KEY in .dev.vars)");
  const now = opts.now ?? new Date();
  const fields = { activity, ...v2Fields(activity, opts, now), testFlag: testFlag(opts), ...extraBody(opts.body) };
  const body = JSON.stringify(sortKeysDeep(fields));
  const { query } = signV2(key, body, { nonce: opts.nonce, timestamp: opts.timestamp });
  return {
    method: "POST",
    url: `${gatewayBase(opts)}/koogallery?${query}`,
    headers: { "Content-Type": KOO_CONTENT_TYPE, Accept: "application/json" },
    body,
  };
}

/**
 * `POST /activeplatform/{secret}/{subscription|user}/{event}?ap_guid=&reseller_id=` (docs/activeplatform.md §A.4).
 * The query is sent on create too: the docs show none there, but the gateway treats it as optional
 * and an `ap_guid` allow-list can only apply to calls that carry one.
 * @param {string} action e.g. "subscription/renew" @param {CallOptions} opts
 * @returns {SimulatedCall}
 */
export function activePlatformCall(action, opts) {
  const secret = need(opts.pathSecret, "the ActivePlatform path secret (--path-secret or ACTIVEPLATFORM_PATH_SECRET in .dev.vars)");
  const [kind, event] = action.split("/");
  const resellerId = opts.resellerId ?? DEFAULT_RESELLER_ID;
  const apGuid = opts.apGuid ?? DEFAULT_AP_GUID;
  let body;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? jsonText(opts.body) : JSON.stringify(opts.body);
  } else if (kind === "user") {
    const userId = event === "create" ? undefined : need(opts.userId, `--user-id (the id user/create answered) for ${action}`);
    body = JSON.stringify(userEventBody(event ?? "", { userId }));
  } else {
    const subscriptionId = opts.subscriptionId ?? newSubscriptionId();
    body = JSON.stringify(
      event === "create"
        ? subscriptionCreateBody({ resellerId, subscriptionId })
        : subscriptionEventBody(event ?? "", {
            externalId: need(opts.externalId, `--external-id (the external_id subscription/create answered) for ${action}`),
            resellerId,
            subscriptionId,
          }),
    );
  }
  const query = new URLSearchParams({ ap_guid: apGuid, reseller_id: resellerId }).toString();
  return {
    method: "POST",
    url: `${gatewayBase(opts)}/activeplatform/${encodeURIComponent(secret)}/${action}?${query}`,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body,
  };
}

/**
 * @param {string} activity @param {CallOptions} opts @param {Date} now
 * @returns {Record<string, string>}
 */
function v1Params(activity, opts, now) {
  const instanceId = () => need(opts.instanceId, `--instance for ${activity}`);
  switch (activity) {
    case "newInstance":
      return {
        businessId: uuid(),
        customerId: randomHex(32),
        customerName: "simulator",
        orderId: opts.orderId ?? newOrderId("CS", now),
        productId: PRODUCT_ID,
        skuCode: "sim-sku-standard",
        chargingMode: "1",
        periodType: "month",
        periodNumber: "1",
        expireTime: opts.expireTime ?? expireTime(addMonths(now, 1)),
      };
    case "refreshInstance":
      return {
        instanceId: instanceId(),
        orderId: opts.orderId ?? newOrderId("RN", now),
        expireTime: opts.expireTime ?? expireTime(addMonths(now, 2)),
        periodType: "month",
        periodNumber: "1",
      };
    case "expireInstance":
    case "releaseInstance":
      // The original order id; the gateway keys these on the instance, so a placeholder is accepted.
      return { instanceId: instanceId(), orderId: opts.orderId ?? newOrderId("CS", now) };
    case "upgrade":
      return { instanceId: instanceId(), orderId: opts.orderId ?? newOrderId("UP", now), skuCode: "sim-sku-large", productId: UPGRADE_PRODUCT_ID };
    case "instanceStatus":
      return { instanceId: instanceId(), instanceStatus: v1Status(opts.status ?? "FREEZE") };
    case "queryInstance":
      return { instanceId: instanceId() };
    default:
      throw new SimulatorInputError(`unknown koogallery-v1 action ${JSON.stringify(activity)}`);
  }
}

/**
 * @param {string} activity @param {CallOptions} opts @param {Date} now
 * @returns {Record<string, string>}
 */
function v2Fields(activity, opts, now) {
  const instanceId = () => need(opts.instanceId, `--instance for ${activity}`);
  /** @param {string} prefix */
  const order = (prefix) => {
    const id = opts.orderId ?? newOrderId(prefix, now);
    return { orderId: id, orderLineId: `${id}-000001` };
  };
  switch (activity) {
    case "newInstance":
      return { businessId: uuid(), ...order("CS") };
    case "queryInstance":
      return { instanceId: instanceId() };
    case "refreshInstance":
      return { scene: "RENEWAL", instanceId: instanceId(), ...order("RN"), expireTime: opts.expireTime ?? expireTime(addMonths(now, 2)) };
    case "updateInstanceStatus":
      return { instanceId: instanceId(), status: v2Status(opts.status ?? "FREEZE") };
    case "releaseInstance":
      // orderId/orderLineId only accompany a release caused by an unsubscription.
      return { instanceId: instanceId(), ...(opts.orderId ? order("CS") : {}) };
    case "upgradeInstance":
      return { instanceId: instanceId(), ...order("UP") };
    default:
      throw new SimulatorInputError(`unknown koogallery-v2 action ${JSON.stringify(activity)}`);
  }
}

/** V1 knows FREEZE/NORMAL, V2 FREEZE/UNFREEZE: accept either spelling for both. @param {string} s */
const v1Status = (s) => (s === "UNFREEZE" ? "NORMAL" : s);
/** @param {string} s */
const v2Status = (s) => (s === "NORMAL" ? "UNFREEZE" : s);

/** Debug traffic (`testFlag=1`) unless told otherwise: a simulated call should not bill anyone. @param {CallOptions} opts */
const testFlag = (opts) => opts.testFlag ?? "1";

/** @param {CallOptions} opts */
const gatewayBase = (opts) => (opts.url ?? DEFAULT_URL).replace(/\/+$/, "");

/**
 * @template T
 * @param {T | undefined | null | ""} value @param {string} what
 * @returns {T}
 */
function need(value, what) {
  if (value === undefined || value === null || value === "") throw new SimulatorInputError(`missing ${what}`);
  return value;
}

/**
 * `--body` for KooGallery: a JSON object whose members override or extend the defaults.
 * @param {string | Record<string, unknown> | undefined} body
 * @returns {Record<string, unknown>}
 */
function extraBody(body) {
  if (body === undefined) return {};
  const parsed = typeof body === "string" ? parseJson(body) : body;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new SimulatorInputError("--body must be a JSON object");
  return /** @type {Record<string, unknown>} */ (parsed);
}

/** V1 parameters are strings on the wire. @param {Record<string, unknown>} obj */
function stringValues(obj) {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Sends the caller's text as given, after making sure it is JSON. @param {string} text */
function jsonText(text) {
  parseJson(text);
  return text;
}

/** @param {string} text @returns {unknown} */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new SimulatorInputError("--body is not valid JSON");
  }
}

/**
 * Keys ascending by UTF-16 code unit (Java TreeMap order), recursively, as KooGallery sends them.
 * @param {unknown} value @returns {unknown}
 */
function sortKeysDeep(value) {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeysDeep(v)]));
  }
  return value;
}
