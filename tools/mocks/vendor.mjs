/**
 * @module tools/mocks/vendor
 * The vendor's webhook receiver (docs/contract.md, "Outbound connectors"): checks the Standard Webhooks
 * signature, dedups by `webhook-id`, and answers `instance.provisioned` with refs and app info the
 * way a vendor app would, so the gateway's ref-storing path can be exercised end to end.
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { jsonReply } from "./reply.mjs";
import { digitsFrom, hmacSha256, safeEqual } from "./util.mjs";

const OPS_EVENT_TYPES = new Set([
  "delivery.dead_lettered",
  "delivery.recovered",
  "connector.paused",
  "connector.resumed",
  "instance.drift_detected",
  "instance.drift_repaired",
]);

/** Standard Webhooks default tolerance, in both directions. */
const WEBHOOK_TOLERANCE_S = 5 * 60;

export const DEFAULT_VENDOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const EVENT_TYPES = new Set([
  "instance.provisioned",
  "instance.renewed",
  "instance.updated",
  "instance.suspended",
  "instance.resumed",
  "instance.expired",
  "instance.released",
  "user.created",
  "user.updated",
  "user.activated",
  "user.deactivated",
  "user.deleted",
]);

/**
 * @param {string} secret `whsec_<base64>` (the prefix is optional, as in the reference library)
 * @returns {Buffer}
 */
function decodeWebhookSecret(secret) {
  const b64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  // Buffer.from(..., "base64") silently skips junk, so check the alphabet first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error("vendor secret must be whsec_ followed by base64");
  return Buffer.from(b64, "base64");
}

/**
 * The refs and app info a vendor app would hand back for a new tenant. Ids are derived from the
 * instance key so reruns give the same answers; only the password is random.
 * @param {string} instanceKey
 * @param {string} password
 */
function provisionedAnswer(instanceKey, password) {
  const shortId = createHash("sha256").update(`tenant:${instanceKey}`).digest("hex").slice(0, 10);
  return {
    refs: {
      // Nine digits: a chaos run's hundreds of tenants must not share a MOR subscription by chance.
      "mor.subscriptionId": digitsFrom(`mor:${instanceKey}`, "1", 9),
      "koodrive.carrierUserId": digitsFrom(`koodrive:${instanceKey}`, "1", 18),
      "koodrive.packageId": "14",
    },
    appInfo: {
      frontEndUrl: `https://app.example.test/t/${shortId}`,
      adminUrl: "https://app.example.test/admin",
      userName: "admin",
      password,
      memo: "mock tenant",
    },
  };
}

/**
 * @param {{secret: string, onRefs?: (refs: Record<string, string>) => void, answerProvisioned?: (instanceKey: string, password: string) => Record<string, unknown>}} opts
 *   onRefs: told of every refs answer, so the other mocks can know the partner ids the vendor
 *   handed out. answerProvisioned: what to answer `instance.provisioned` with (default
 *   {@link provisionedAnswer}); tests set their own refs and app info through it.
 * @returns {import("./reply.mjs").Handler}
 */
export function createVendorHandler({ secret, onRefs, answerProvisioned = provisionedAnswer }) {
  const key = decodeWebhookSecret(secret);
  /** @type {Map<string, {answer: Record<string, unknown>, bodyHash: string, type: string}>} webhook-id -> the first accepted delivery */
  const seen = new Map();
  /** @type {Map<string, string>} instance key -> password, so a re-provision of the same tenant keeps its credentials */
  const passwords = new Map();

  return function vendorHandler(req) {
    if (req.method !== "POST") return jsonReply(405, { error: "POST only" }, { verdict: `rejected: method ${req.method}` });

    const id = req.headers["webhook-id"] ?? "";
    const problem = verifyStandardWebhook(key, req.headers, req.bodyBytes, req.now);
    if (problem) return jsonReply(401, { error: "invalid signature" }, { verdict: `rejected: ${problem}`, fields: { id } });

    const bodyHash = createHash("sha256").update(req.bodyBytes).digest("hex");
    const earlier = seen.get(id);
    if (earlier) {
      const warnings = earlier.bodyHash === bodyHash ? [] : ["same webhook-id with a different body"];
      return jsonReply(200, earlier.answer, { verdict: "duplicate", fields: { id, type: earlier.type }, warnings });
    }

    /** @type {any} */
    let event;
    try {
      event = JSON.parse(req.body);
    } catch {
      return jsonReply(400, { error: "body is not JSON" }, { verdict: "rejected: body is not JSON", fields: { id } });
    }
    if (!event || typeof event !== "object" || typeof event.type !== "string") {
      return jsonReply(400, { error: "missing type" }, { verdict: "rejected: payload has no type", fields: { id } });
    }

    const warnings = payloadWarnings(event, id);
    const instanceKey = event.instance?.key ?? (event.instance?.source && event.instance?.id ? `${event.instance.source}:${event.instance.id}` : id);
    /** @type {Record<string, unknown>} */
    let answer = {};
    if (event.type === "instance.provisioned") {
      const password = passwords.get(instanceKey) ?? randomBytes(12).toString("base64url");
      passwords.set(instanceKey, password);
      answer = answerProvisioned(instanceKey, password);
      if (answer.refs) onRefs?.(/** @type {Record<string, string>} */ (answer.refs));
    }
    seen.set(id, { answer, bodyHash, type: event.type });
    return jsonReply(200, answer, {
      verdict: "ok",
      ok: true,
      fields: { id, type: event.type, key: instanceKey, state: event.instance?.state, test: event.test === true ? true : undefined },
      warnings,
    });
  };
}

/**
 * Standard Webhooks verification (any one v1 signature of the list, timestamp within tolerance).
 * @param {Uint8Array} key the decoded secret ({@link decodeWebhookSecret})
 * @param {Record<string, string>} headers lower-case names
 * @param {Uint8Array} bodyBytes exact bytes received
 * @param {number} nowMs
 * @returns {string|undefined} why the signature is not acceptable
 */
function verifyStandardWebhook(key, headers, bodyBytes, nowMs) {
  const id = headers["webhook-id"];
  const ts = headers["webhook-timestamp"];
  const sigs = headers["webhook-signature"];
  if (!id || !ts || !sigs) return "missing webhook-id, webhook-timestamp or webhook-signature";
  if (!/^\d{1,12}$/.test(ts)) return "webhook-timestamp is not integer seconds";
  const skew = Math.floor(nowMs / 1000) - Number(ts);
  if (skew > WEBHOOK_TOLERANCE_S) return `webhook-timestamp too old (${skew}s)`;
  if (skew < -WEBHOOK_TOLERANCE_S) return `webhook-timestamp too new (${-skew}s ahead)`;
  const expected = hmacSha256(key, Buffer.concat([Buffer.from(`${id}.${ts}.`), bodyBytes]));
  // Space-separated list; versions other than v1 are skipped, which is how key rotation works.
  for (const part of sigs.split(" ")) {
    const comma = part.indexOf(",");
    if (comma < 0 || part.slice(0, comma) !== "v1") continue;
    if (safeEqual(Buffer.from(part.slice(comma + 1), "base64"), expected)) return undefined;
  }
  return "no matching v1 signature";
}

/**
 * Interface deviations that a vendor would still accept but the gateway should not produce.
 * @param {any} event
 * @param {string} webhookId
 * @returns {string[]}
 */
function payloadWarnings(event, webhookId) {
  const w = [];
  if (event.id !== webhookId) w.push("payload id differs from webhook-id");
  // Operational events (OPS_WEBHOOK_URL pointed here at another path) have their own shape.
  if (OPS_EVENT_TYPES.has(event.type)) {
    if (typeof event.data !== "object" || event.data === null) w.push("data missing");
    return w;
  }
  if (!EVENT_TYPES.has(event.type)) w.push(`unknown event type ${JSON.stringify(event.type).slice(0, 40)}`);
  if (typeof event.occurredAt !== "string" || Number.isNaN(Date.parse(event.occurredAt))) w.push("occurredAt is not an ISO time");
  if (typeof event.test !== "boolean") w.push("test is not a boolean");
  if (event.type.startsWith("instance.") && typeof event.instance?.key !== "string") w.push("instance.key missing");
  if (typeof event.source?.system !== "string") w.push("source.system missing");
  return w;
}
