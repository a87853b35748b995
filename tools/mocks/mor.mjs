/**
 * @module tools/mocks/mor
 * Kolmisoft MOR billing API mock (docs/mor.md §C.3-C.5): form-encoded POSTs to /billing/api/<method>,
 * `u` + SHA1 `hash` checks in the documented parameter order, XML answers, always HTTP 200.
 * Subscriptions live in memory; any id is created on its first update, because in local runs the
 * ids come from the mock vendor's refs rather than from a real MOR.
 */
import { Buffer } from "node:buffer";
import { jsonReply } from "./reply.mjs";
import { safeEqual, sha1Hex } from "./util.mjs";

/**
 * @typedef {{id: string, user_id: string, service_id: string, status: string, subscription_memo: string} & Record<string, string>} Subscription
 */

const MOR_API_PREFIX = "/billing/api/";
/** The mock's own admin endpoint: list and edit subscriptions behind the gateway's back. */
const MOCK_SUBSCRIPTIONS = "/__mock/subscriptions";

/**
 * Hash-included parameters per method, in hash order (docs/mor.md §C.3, §C.4).
 * @type {Readonly<Record<string, readonly string[]>>}
 */
const MOR_HASH_PARAMS = Object.freeze({
  subscription_create: ["user_id", "service_id"],
  subscription_update: ["subscription_id"],
  subscription_delete: ["subscription_id", "subscription_delete_action"],
  subscriptions_get: [],
});

/** @type {Readonly<Record<string, string>>} */
const DELETE_TEXTS = Object.freeze({
  1: "Subscription deleted",
  2: "Subscription disabled",
  3: "Subscription deleted and money returned",
});

const SUBSCRIPTION_FIELDS = [
  "subscription_activation_start",
  "subscription_activation_end",
  "subscription_memo",
  "subscription_discount_percent",
  "subscription_start_period_day",
  "subscription_start_period_month",
  "subscription_charge_balance_on",
  "subscription_until_canceled",
  "subscription_no_expiration_at_the_end_of_a_month",
];

/** @type {Readonly<Record<string, readonly string[]>>} */
const KNOWN_PARAMS = Object.freeze({
  subscription_create: ["user_id", "service_id", ...SUBSCRIPTION_FIELDS, "ignore_balance", "subscription_charge_for_past"],
  subscription_update: ["subscription_id", ...SUBSCRIPTION_FIELDS],
  subscription_delete: ["subscription_id", "subscription_delete_action"],
  subscriptions_get: [
    "service_id",
    "user_id",
    "subscription_activation_start",
    "subscription_activation_end",
    "subscription_memo",
    "subscription_until_canceled",
  ],
});

/**
 * lower-hex SHA1 of the values in hash order followed by the secret.
 * @param {string[]} values
 * @param {string} secret
 */
export const morHash = (values, secret) => sha1Hex(Buffer.from(values.join("") + secret, "utf8"));

/** @param {string} s */
const escapeXml = (s) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * @param {"success"|"error"} kind
 * @param {string} text
 * @param {string} [extra] already-escaped XML placed after the message inside <status>
 */
const statusXml = (kind, text, extra = "") =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<page><status><${kind}>${escapeXml(text)}</${kind}>${extra}</status></page>\n`;

/**
 * @param {{user: string, secret: string, disabledAsError?: boolean, exists?: (id: string) => boolean, forgetDeleted?: boolean}} cfg
 *   disabledAsError: answer delete action 2 inside <error>, as the wiki's delete page lists it,
 *   to check that the gateway still treats it as success. exists: ids that exist without an
 *   update first (the mock vendor's refs), so deleting one that was never updated succeeds.
 *   forgetDeleted: a deleted id is not remembered, so it can come back through `exists` (for test
 *   fixtures that give several instances one subscription id).
 */
export function createMorHandler(cfg) {
  /** @type {Map<string, Subscription>} id -> subscription record */
  const subs = new Map();
  /** ids deleted with action 1 or 3; they stay "not found" and are never re-created */
  const deleted = new Set();
  let nextId = 900001;

  /**
   * @param {"success"|"error"} kind
   * @param {string} text
   * @param {{fields?: Record<string, unknown>, warnings?: string[], extra?: string}} [meta]
   */
  const answer = (kind, text, meta = {}) => ({
    status: 200,
    headers: { "content-type": "text/xml; charset=utf-8" },
    body: statusXml(kind, text, meta.extra),
    verdict: `${kind === "success" ? "ok" : "error"}: ${text}`,
    ok: kind === "success",
    fields: meta.fields,
    warnings: meta.warnings,
  });

  /**
   * In-process helpers (and the HTTP ones below): a subscription changed behind the gateway's back,
   * as someone working in MOR directly would, to see the reconciliation sweep find it.
   * `end`: Unix seconds, an ISO time, or null (until canceled); `state`: active, disabled, deleted.
   * @param {string} id
   * @param {{end?: number|string|null, state?: "active"|"disabled"|"deleted"}} change
   */
  function editSubscription(id, change) {
    if (change.state === "deleted") {
      subs.delete(id);
      deleted.add(id);
      return null;
    }
    const sub = subs.get(id) ?? { id, user_id: "0", service_id: "0", status: "active", subscription_memo: "", subscription_until_canceled: "1" };
    deleted.delete(id);
    if (change.end !== undefined) {
      if (change.end === null) {
        delete sub.subscription_activation_end;
        sub.subscription_until_canceled = "1";
      } else {
        const secs = typeof change.end === "number" ? change.end : /^\d+$/.test(change.end) ? Number(change.end) : Math.floor(Date.parse(change.end) / 1000);
        if (!Number.isFinite(secs)) throw new RangeError("end must be Unix seconds, an ISO time or null");
        sub.subscription_activation_end = String(secs);
        sub.subscription_until_canceled = "0";
      }
    }
    if (change.state) sub.status = change.state;
    subs.set(id, sub);
    return sub;
  }

  /** The mock vendor handed this id out: MOR knows it from now on (until canceled), as the vendor's own create would. */
  const register = (/** @type {string|undefined} */ id) => {
    if (id && /^\d+$/.test(id) && !subs.has(id) && !deleted.has(id)) editSubscription(id, { end: null });
  };

  /** `GET /__mock/subscriptions`, `POST /__mock/subscriptions/{id}` with `{"end","state"}`. @param {import("./reply.mjs").MockRequest} req */
  function mockAdmin(req) {
    const id = req.path.slice(MOCK_SUBSCRIPTIONS.length).replace(/^\//, "");
    if (req.method === "GET" && id === "") return jsonReply(200, { subscriptions: [...subs.values()] }, { verdict: "mock: listed" });
    if (req.method !== "POST" || !/^\d+$/.test(id))
      return jsonReply(404, { error: "use GET /__mock/subscriptions or POST /__mock/subscriptions/{id}" }, { verdict: "mock: bad admin call" });
    let change;
    try {
      change = JSON.parse(req.body || "{}");
      return jsonReply(200, { subscription: editSubscription(id, change) }, { verdict: `mock: edited ${id}` });
    } catch (err) {
      return jsonReply(400, { error: err instanceof Error ? err.message : String(err) }, { verdict: "mock: bad edit" });
    }
  }

  /** @param {import("./reply.mjs").MockRequest} req */
  function morHandler(req) {
    if (req.path.startsWith(MOCK_SUBSCRIPTIONS)) return mockAdmin(req);
    if (!req.path.startsWith(MOR_API_PREFIX)) return jsonReply(404, { error: "not found" }, { verdict: "rejected: not a MOR API path" });
    const method = req.path.slice(MOR_API_PREFIX.length);
    if (!Object.hasOwn(MOR_HASH_PARAMS, method)) return jsonReply(404, { error: "unknown API method" }, { verdict: `rejected: unknown method ${method}` });
    // MOR's "Allow GET API" is off by default and the gateway must POST (docs/mor.md §C.2).
    if (req.method !== "POST") return answer("error", "API Requests are disabled", { fields: { note: `${req.method} is not accepted by this mock` } });

    const warnings = [];
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? ""))
      warnings.push("content-type is not application/x-www-form-urlencoded");
    if (req.rawQuery) warnings.push("parameters in the query string are ignored; send them in the form body");
    const form = new URLSearchParams(req.body);
    /** @param {string} name */
    const get = (name) => form.get(name) ?? "";
    const unknown = [...form.keys()].filter((k) => k !== "u" && k !== "hash" && !KNOWN_PARAMS[method]?.includes(k));
    if (unknown.length) warnings.push(`unknown parameters: ${unknown.join(", ")}`);
    const fields = { method, u: get("u"), subscription_id: get("subscription_id") || undefined };

    if (!safeEqual(get("u"), cfg.user)) return answer("error", "Access Denied", { fields, warnings });
    const expected = morHash((MOR_HASH_PARAMS[method] ?? []).map(get), cfg.secret);
    if (!safeEqual(get("hash"), expected)) return answer("error", "Incorrect hash", { fields, warnings });

    const ctx = { get, form, fields, warnings };
    switch (method) {
      case "subscription_update":
        return update(ctx);
      case "subscription_delete":
        return remove(ctx);
      case "subscription_create":
        return create(ctx);
      default:
        return list(ctx);
    }
  }
  morHandler.editSubscription = editSubscription;
  morHandler.register = register;
  morHandler.subscriptions = () => [...subs.values()];
  return morHandler;

  /** @param {{get: (n: string) => string, form: URLSearchParams, fields: Record<string, unknown>, warnings: string[]}} ctx */
  function update({ get, form, fields, warnings }) {
    const id = get("subscription_id");
    Object.assign(fields, { start: timeField(get("subscription_activation_start")), end: timeField(get("subscription_activation_end")) });
    if (!/^\d+$/.test(id) || deleted.has(id)) return answer("error", "Subscription was not found", { fields, warnings });
    if (id.length > 1 && id.startsWith("0")) warnings.push("subscription_id has leading zeros");
    /** @type {Subscription} */
    const current = subs.get(id) ?? { id, user_id: "0", service_id: "0", status: "active", subscription_memo: "" };
    const next = { ...current };
    for (const name of SUBSCRIPTION_FIELDS) if (form.has(name)) next[name] = get(name);
    // An end and "until canceled" exclude each other: the latest call decides (subscriptions_get shows it).
    if (form.has("subscription_activation_end") && !form.has("subscription_until_canceled")) next.subscription_until_canceled = "0";
    if (get("subscription_until_canceled") === "1") delete next.subscription_activation_end;
    const invalid = validateActivation(next);
    if (invalid) return answer("error", invalid, { fields, warnings });
    if (!subs.has(id)) fields.created = "auto";
    subs.set(id, next);
    return answer("success", "Subscription was successfully updated", { fields, warnings });
  }

  /** @param {{get: (n: string) => string, fields: Record<string, unknown>, warnings: string[]}} ctx */
  function remove({ get, fields, warnings }) {
    const id = get("subscription_id");
    const action = get("subscription_delete_action");
    fields.action = action;
    const text = DELETE_TEXTS[action];
    if (!text) return answer("error", "Subscription delete action was not found", { fields, warnings });
    let sub = subs.get(id);
    if (!sub && !deleted.has(id) && cfg.exists?.(id)) {
      sub = { id, user_id: "0", service_id: "0", status: "active", subscription_memo: "" };
      subs.set(id, sub);
      fields.created = "auto";
    }
    if (!sub) return answer("error", "Subscription was not found", { fields, warnings });
    if (action === "2") {
      sub.status = "disabled";
      return answer(cfg.disabledAsError ? "error" : "success", text, { fields, warnings });
    }
    subs.delete(id);
    if (!cfg.forgetDeleted) deleted.add(id);
    return answer("success", text, { fields, warnings });
  }

  /** @param {{get: (n: string) => string, form: URLSearchParams, fields: Record<string, unknown>, warnings: string[]}} ctx */
  function create({ get, form, fields, warnings }) {
    Object.assign(fields, { user_id: get("user_id"), service_id: get("service_id") });
    if (!form.has("user_id") || get("user_id") === "") return answer("error", "user_id must be provided", { fields, warnings });
    if (!/^\d+$/.test(get("user_id"))) return answer("error", "user_id must be non negative integer", { fields, warnings });
    if (!/^\d+$/.test(get("service_id"))) return answer("error", "Service was not found", { fields, warnings });
    /** @type {Subscription} */
    const sub = { id: "", user_id: get("user_id"), service_id: get("service_id"), status: "active", subscription_memo: "" };
    for (const name of SUBSCRIPTION_FIELDS) if (form.has(name)) sub[name] = get(name);
    const invalid = validateActivation(sub);
    if (invalid) return answer("error", invalid, { fields, warnings });
    while (subs.has(String(nextId)) || deleted.has(String(nextId))) nextId += 1;
    sub.id = String(nextId++);
    subs.set(sub.id, sub);
    fields.subscription_id = sub.id;
    return answer("success", "Subscription was successfully created", { fields, warnings, extra: `<id>${sub.id}</id>` });
  }

  /** @param {{get: (n: string) => string, form: URLSearchParams, fields: Record<string, unknown>, warnings: string[]}} ctx */
  function list({ get, form, fields, warnings }) {
    /** @param {Subscription} s */
    const match = (s) =>
      (!form.has("user_id") || s.user_id === get("user_id")) &&
      (!form.has("service_id") || s.service_id === get("service_id")) &&
      (!form.has("subscription_memo") || s.subscription_memo === get("subscription_memo")) &&
      (!form.has("subscription_until_canceled") || (s.subscription_until_canceled ?? "0") === get("subscription_until_canceled")) &&
      (!form.has("subscription_activation_start") || Number(s.subscription_activation_start ?? 0) >= Number(get("subscription_activation_start"))) &&
      (!form.has("subscription_activation_end") ||
        (s.subscription_activation_end !== undefined && Number(s.subscription_activation_end) <= Number(get("subscription_activation_end"))));
    const found = [...subs.values()].filter(match);
    fields.found = found.length;
    if (found.length === 0) return answer("error", "No Subscriptions found", { fields, warnings });
    const items = found.map((s) => subscriptionXml(s)).join("");
    return answer("success", "Subscriptions found", { fields, warnings, extra: `<subscriptions>${items}</subscriptions>` });
  }
}

/**
 * @param {Record<string, string>} s
 * @returns {string|undefined} MOR's error text when activation times are invalid
 */
function validateActivation(s) {
  const start = s.subscription_activation_start;
  const end = s.subscription_activation_end;
  if (start !== undefined && !/^\d+$/.test(start)) return "Subscription activation start date must be valid timestamp";
  if (end !== undefined && !/^\d+$/.test(end)) return "Subscription activation end date must be valid timestamp";
  if (start !== undefined && end !== undefined && Number(start) >= Number(end)) return "Activation start date must be earlier than end date";
  return undefined;
}

/** Unix seconds as ISO for log lines; anything else as sent. @param {string} v */
const timeField = (v) => (/^\d{1,11}$/.test(v) ? new Date(Number(v) * 1000).toISOString() : v || undefined);

/** `2011-06-04 06:01:04 +0000` @param {string|undefined} secs */
const morTime = (secs) => (secs && /^\d+$/.test(secs) ? `${new Date(Number(secs) * 1000).toISOString().slice(0, 19).replace("T", " ")} +0000` : "");

/** @param {Record<string, string>} s */
function subscriptionXml(s) {
  /** @param {string} name @param {string|undefined} v */
  const el = (name, v) => (v ? `<${name}>${escapeXml(v)}</${name}>` : `<${name}/>`);
  return `<subscription>${el("id", s.id)}${el("user", `user ${s.user_id}`)}<device/>${el("service", `service ${s.service_id}`)}${el("from", morTime(s.subscription_activation_start))}${el("till", morTime(s.subscription_activation_end))}<time_left/>${el("memo", s.subscription_memo)}${el("type", s.status)}<price/>${el("user_id", s.user_id)}</subscription>`;
}
