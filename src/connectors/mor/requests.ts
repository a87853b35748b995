/**
 * @module connectors/mor/requests
 * Request builders for the two MOR methods the gateway calls (docs/mor.md §C.4): `subscription_update`
 * (renewed/expired/resumed: move the activation end) and `subscription_delete` (released). Each returns a
 * form to POST as `application/x-www-form-urlencoded`; the hash is computed from exactly the
 * strings placed in the form, so what MOR hashes and what we hashed cannot drift apart.
 */
import { morHash } from "./hash";

export type MorMethod = "subscription_update" | "subscription_delete";

export interface MorRequest {
  method: MorMethod;
  url: string;
  form: URLSearchParams;
}

/** `subscription_delete_action`: 1 delete without refund, 2 disable, 3 delete with full refund. */
type MorDeleteAction = 1 | 2 | 3;

interface MorCommon {
  /** `MOR_BASE_URL`, e.g. `https://billing.example.com`; `/billing/api/<method>` is appended. */
  baseUrl: string;
  /** MOR login sent as `u`; never hashed. */
  username: string;
  /** API secret key (the reseller's own when `username` is a reseller). */
  secret: string;
}

export interface SubscriptionUpdateInput extends MorCommon {
  subscriptionId: string | number;
  /** New `subscription_activation_end`, Unix seconds; or, for a subscription without end, `untilCanceled`. */
  activationEndS?: number;
  /** Sends `subscription_until_canceled=1` (docs/mor.md §C.4) instead of an activation end. */
  untilCanceled?: true;
  memo?: string;
}

export interface SubscriptionDeleteInput extends MorCommon {
  subscriptionId: string | number;
  action: MorDeleteAction | number | string;
}

/**
 * Canonical decimal string of a non-negative integer. Leading zeros are dropped because MOR reads
 * the value as a number: sending `010` would still work only if MOR hashed the same literal, which
 * the docs do not promise.
 */
function nonNegativeInteger(field: string, value: string | number): string {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
  } else if (/^\d+$/.test(value.trim())) {
    return value.trim().replace(/^0+(?=\d)/, "");
  }
  throw new Error(`MOR ${field} must be a non-negative integer, got ${JSON.stringify(value)}`);
}

function methodUrl(baseUrl: string, method: MorMethod): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error(`MOR baseUrl (MOR_BASE_URL) is not a valid URL: ${JSON.stringify(baseUrl)}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new Error(`MOR baseUrl (MOR_BASE_URL) must be http(s), got ${JSON.stringify(parsed.protocol)}`);
  }
  return `${baseUrl.replace(/\/+$/, "")}/billing/api/${method}`;
}

function checkCredentials(username: string, secret: string): void {
  if (username.trim() === "") throw new Error("MOR username (MOR_USERNAME) must not be empty");
  if (secret === "") throw new Error("MOR API secret (MOR_API_SECRET) must not be empty");
}

/** `subscription_update`; hash over `subscription_id` only (docs/mor.md §C.3, seed-example resolution). */
export async function subscriptionUpdate(input: SubscriptionUpdateInput): Promise<MorRequest> {
  const method = "subscription_update";
  const url = methodUrl(input.baseUrl, method);
  checkCredentials(input.username, input.secret);
  const subscriptionId = nonNegativeInteger("subscriptionId", input.subscriptionId);
  if (input.untilCanceled === undefined && input.activationEndS === undefined) throw new Error("MOR subscription_update needs activationEndS or untilCanceled");
  const activationEnd = input.activationEndS === undefined ? null : nonNegativeInteger("activationEndS", input.activationEndS);

  const form = new URLSearchParams();
  form.set("u", input.username);
  form.set("subscription_id", subscriptionId);
  if (activationEnd !== null) form.set("subscription_activation_end", activationEnd);
  if (input.untilCanceled) form.set("subscription_until_canceled", "1");
  if (input.memo !== undefined) form.set("subscription_memo", input.memo);
  form.set("hash", await morHash([subscriptionId], input.secret));
  return { method, url, form };
}

/** `subscription_delete`; hash over `subscription_id`, `subscription_delete_action`. */
export async function subscriptionDelete(input: SubscriptionDeleteInput): Promise<MorRequest> {
  const method = "subscription_delete";
  const url = methodUrl(input.baseUrl, method);
  checkCredentials(input.username, input.secret);
  const subscriptionId = nonNegativeInteger("subscriptionId", input.subscriptionId);
  const action = nonNegativeInteger("action", input.action);
  if (!["1", "2", "3"].includes(action)) {
    throw new Error(`MOR action (subscription_delete_action, MOR_DELETE_ACTION) must be 1, 2 or 3, got ${JSON.stringify(input.action)}`);
  }

  const form = new URLSearchParams();
  form.set("u", input.username);
  form.set("subscription_id", subscriptionId);
  form.set("subscription_delete_action", action);
  form.set("hash", await morHash([subscriptionId, action], input.secret));
  return { method, url, form };
}
