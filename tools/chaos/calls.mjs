/**
 * @module tools/chaos/calls
 * The marketplace requests of a chaos run, built with the simulator's signed builders
 * (tools/simulate/calls.mjs, tools/lib/koogallery-signer.mjs): nothing here is shared with src/.
 *
 * Two kinds of copies:
 * - a fresh send (first send, extra copies, retries after a failure) is signed when it leaves,
 *   as KooGallery's own retries are (docs/koogallery.md §2.2: fresh timestamp and nonce);
 * - a late duplicate replays the step's first request: V1 byte for byte, V2 with its original
 *   body and timestamp under a fresh nonce (a replayed nonce is refused by design), ActivePlatform
 *   byte for byte. It carries the marketplace time of the original, so the gateway can tell it is
 *   older than what it has applied since.
 */
import { signV2 } from "../lib/koogallery-signer.mjs";
import { subscriptionEventBody } from "../simulate/ap-bodies.mjs";
import { buildCall } from "../simulate/calls.mjs";

/**
 * @typedef {import("../simulate/calls.mjs").SimulatedCall} SimulatedCall
 * @typedef {{url: string, key: string, pathSecret: string, apGuid: string, resellerId: string}} Target
 * @typedef {{instanceId?: string, externalId?: string}} Ids
 */

/**
 * A freshly signed request for one step.
 * @param {Target} target
 * @param {import("./workload.mjs").InstancePlan} plan
 * @param {import("./workload.mjs").Step} step
 * @param {Ids} ids what earlier answers told (instanceId, external_id)
 * @returns {SimulatedCall}
 */
export function stepCall(target, plan, step, ids) {
  const base = { url: target.url, key: target.key, pathSecret: target.pathSecret, testFlag: "0", now: new Date() };
  if (plan.platform === "activeplatform") {
    const common = { ...base, apGuid: target.apGuid, resellerId: target.resellerId, subscriptionId: plan.subscriptionId, externalId: ids.externalId };
    if (step.action !== "subscription/renew") return buildCall(plan.platform, step.action, common);
    // Each renewal of one subscription has its own period, so it has its own fingerprint: two
    // identical renewals within a day are one renewal resent (activeplatform commands.ts).
    const body = subscriptionEventBody("renew", {
      externalId: /** @type {string} */ (ids.externalId),
      resellerId: target.resellerId,
      subscriptionId: /** @type {string} */ (plan.subscriptionId),
    });
    body.plan.period = { value: /** @type {number} */ (step.periodMonths), type: "Month" };
    return buildCall(plan.platform, step.action, { ...common, body });
  }
  const provisionOrder = plan.steps[0].orderId;
  const v1 = plan.platform === "koogallery-v1";
  /** @type {import("../simulate/calls.mjs").CallOptions} */
  const opts = { ...base, instanceId: ids.instanceId, status: step.status, expireTime: step.expireTime };
  if (step.orderId) opts.orderId = step.orderId;
  // V1 expire and release name the original order; V2 release carries none for a plain release.
  else if (v1 && (step.action === "expireInstance" || step.action === "releaseInstance")) opts.orderId = provisionOrder;
  return buildCall(plan.platform, step.action, opts);
}

/**
 * The late copy of a step's first request, or null when it can no longer be sent as such (a V2
 * timestamp outside the gateway's window would be refused as unauthenticated, not as stale).
 * @param {import("./workload.mjs").Platform} platform
 * @param {SimulatedCall} original
 * @param {{key: string, nowMs: number, v2WindowMs: number}} ctx
 * @returns {SimulatedCall|null}
 */
export function lateCopy(platform, original, { key, nowMs, v2WindowMs }) {
  if (platform !== "koogallery-v2") return original;
  const url = new URL(original.url);
  const timestamp = url.searchParams.get("timestamp") ?? "";
  if (!(nowMs - Number(timestamp) < v2WindowMs)) return null;
  const { query } = signV2(key, /** @type {string} */ (original.body), { timestamp });
  return { ...original, url: `${url.origin}${url.pathname}?${query}` };
}

/**
 * @typedef {object} Answer
 * @property {number|null} status   null: no answer (refused connection, reset, timeout)
 * @property {string|null} code     KooGallery resultCode
 * @property {boolean} ok           what the marketplace counts as done
 * @property {boolean} serverError  5xx, or KooGallery 000005 (its "internal error")
 * @property {boolean|null} signed  KooGallery Body-Sign verified (null for ActivePlatform)
 * @property {unknown} body
 * @property {string} [error]
 */

/**
 * @param {import("./workload.mjs").Platform} platform
 * @param {number|null} status
 * @param {unknown} body
 * @param {boolean|null} signed
 * @returns {Pick<Answer, "code"|"ok"|"serverError">}
 */
export function judgeAnswer(platform, status, body, signed) {
  if (status === null) return { code: null, ok: false, serverError: false };
  if (platform === "activeplatform") return { code: null, ok: status >= 200 && status < 300, serverError: status >= 500 };
  const code = body && typeof body === "object" && typeof (/** @type {any} */ (body).resultCode) === "string" ? /** @type {any} */ (body).resultCode : null;
  return { code, ok: status === 200 && code === "000000" && signed === true, serverError: status >= 500 || code === "000005" };
}
