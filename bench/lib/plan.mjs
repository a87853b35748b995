/**
 * @module bench/lib/plan
 * The logical call list every Worker receives, and how it is turned into signed HTTP requests.
 * The list is built once and is identical for all Workers; signatures are made per Worker and
 * per chunk just before that chunk is sent, because a V2 call needs a fresh timestamp (the
 * gateway accepts ±60 s) and a nonce it has never seen.
 */
import { randomBytes } from "node:crypto";
import { signV1Query, signV2, v1TimeStamp } from "../../tools/lib/koogallery-signer.mjs";

/** The spec's fake seller key (docs/koogallery.md §2.5). Never a real secret. */
const ACCESS_KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";

/**
 * @typedef {{ kind: "v2" | "v1" | "v1-new" | "entitlement", instance: string, seq: number }} Call
 * @typedef {{ method: "GET" | "POST", path: string, headers: Record<string, string>, body?: string }} HttpRequest
 */

/** @param {number} n @param {number} width */
const pad = (n, width) => String(n).padStart(width, "0");

/** @param {number} i @returns {string} */
const warmInstance = (i) => `bench-warm-${pad(i, 4)}`;
/** @param {number} i @returns {string} */
const coldInstance = (i) => `bench-cold-${pad(i, 6)}`;

/**
 * Repeated events over a small set of instances: even positions V2 updateInstanceStatus,
 * odd positions V1 expireInstance.
 * @param {number} requests @param {number} instances @returns {Call[]}
 */
export function warmCalls(requests, instances) {
  return Array.from({ length: requests }, (_, seq) => ({
    kind: seq % 2 === 0 ? "v2" : "v1",
    instance: warmInstance(seq % instances),
    seq,
  }));
}

/**
 * Each instance touched exactly once, V2 and V1 interleaved.
 * @param {number} instances @returns {Call[]}
 */
export function coldCalls(instances) {
  return Array.from({ length: instances }, (_, seq) => ({
    kind: seq % 2 === 0 ? "v2" : "v1",
    instance: coldInstance(seq),
    seq,
  }));
}

/**
 * The vendor app's reads, `GET /entitlements/{key}`, cycling over the warm instances: the first
 * `instances` calls read each instance once (no edge copy yet); later ones mostly find one.
 * @param {number} requests @param {number} instances @returns {Call[]}
 */
export function entitlementCalls(requests, instances) {
  return Array.from({ length: requests }, (_, seq) => ({ kind: "entitlement", instance: warmInstance(seq % instances), seq }));
}

/** The gateway's ENTITLEMENTS_TOKEN in the benchmark (bench/lib/targets.mjs). Not a real secret. */
export const BENCH_ENTITLEMENTS_TOKEN = "bench-entitlements-token-0123456789";

/**
 * V1 newInstance for each warm instance, sent untimed before the warm phase so warm events hit
 * instances that exist. `businessId` carries the id we would like the instance to get.
 * @param {number} instances @returns {Call[]}
 */
export function setupCalls(instances) {
  return Array.from({ length: instances }, (_, seq) => ({ kind: "v1-new", instance: warmInstance(seq), seq }));
}

/** @param {string} instance */
const orderIdOf = (instance) => `CSBENCH${instance.replace(/[^0-9]/g, "")}`;

/**
 * @param {Call} call
 * @param {(planned: string) => string} idOf maps a planned instance id to the id the Worker gave it
 * @returns {HttpRequest}
 */
export function signCall(call, idOf = (x) => x) {
  const instanceId = idOf(call.instance);
  if (call.kind === "entitlement") {
    const key = encodeURIComponent(`koogallery:${instanceId}`);
    return { method: "GET", path: `/entitlements/${key}`, headers: { accept: "application/json", authorization: `Bearer ${BENCH_ENTITLEMENTS_TOKEN}` } };
  }
  if (call.kind === "v2") {
    // Compact, keys ascending: what KooGallery emits.
    const body = JSON.stringify({ activity: "updateInstanceStatus", instanceId, status: "FREEZE" });
    const { query } = signV2(ACCESS_KEY, body, {
      nonce: randomBytes(16).toString("hex").toUpperCase(),
      timestamp: String(Date.now()),
    });
    return {
      method: "POST",
      path: `/koogallery?${query}`,
      headers: { "content-type": "application/json;charset=utf8", accept: "application/json" },
      body,
    };
  }
  const timeStamp = v1TimeStamp(new Date());
  /** @type {Record<string, string>} */
  const params =
    call.kind === "v1"
      ? { activity: "expireInstance", instanceId, orderId: orderIdOf(call.instance), testFlag: "0", timeStamp }
      : {
          activity: "newInstance",
          businessId: call.instance,
          customerId: `cust${orderIdOf(call.instance)}`,
          customerName: "bench_user",
          orderId: orderIdOf(call.instance),
          productId: "OFFI000000000000000001",
          testFlag: "0",
          timeStamp,
        };
  return { method: "GET", path: `/koogallery?${signV1Query(ACCESS_KEY, params)}`, headers: { accept: "application/json" } };
}
