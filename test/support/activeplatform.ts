/**
 * Builds ActivePlatform calls and sends them through the Worker. Ids the gateway must derive
 * (external_id, user id) are recomputed here independently with node:crypto, so a test fails if
 * the formula drifts. Each negative test starts from a valid call and breaks one thing.
 */
// @ts-ignore -- no @types/node in tsconfig "types"; resolved by workerd's nodejs_compat at run time
import * as nodeCrypto from "node:crypto";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { ApplyResult } from "../../src/instance/instance-object";
import type { LifecycleCommand } from "../../src/lifecycle/types";
import { details } from "./instances";

/** vitest.config.mts sets the same ACTIVEPLATFORM_PATH_SECRET. */
export const PATH_SECRET = "test-path-secret-0123456789abcdef";
export const ORIGIN = "https://gateway.test";
const BASE = `${ORIGIN}/activeplatform/${PATH_SECRET}`;

let counter = 0;
/** Unique ids per call, so tests sharing one file's storage never collide. */
export const unique = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(++counter).toString(36)}`;

export interface ApAnswer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  apGuid?: string | null;
  resellerId?: string | null;
  secret?: string;
  method?: string;
  /** Sent verbatim instead of JSON.stringify(body). */
  rawBody?: string;
}

export function apRequest(path: string, body: unknown, opts: CallOptions = {}): Request {
  const query = new URLSearchParams();
  if (opts.apGuid !== null) query.set("ap_guid", opts.apGuid ?? "ap-guid-test");
  if (opts.resellerId !== null) query.set("reseller_id", opts.resellerId ?? "1001");
  const base = opts.secret === undefined ? BASE : `${ORIGIN}/activeplatform/${opts.secret}`;
  const method = opts.method ?? "POST";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`${base}/${path}?${query}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: hasBody ? (opts.rawBody ?? JSON.stringify(body)) : undefined,
  });
}

export async function answerOf(response: Response): Promise<ApAnswer> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: the test asserts on text.
  }
  return { status: response.status, body, text, headers: response.headers };
}

export async function send(request: Request): Promise<ApAnswer> {
  return answerOf(await exports.default.fetch(request));
}

export const call = (path: string, body: unknown, opts: CallOptions = {}) => send(apRequest(path, body, opts));

/** Every ActivePlatform error: the given status and exactly `{"task":{"error_message": ...}}`. */
export function expectTaskError(answer: ApAnswer, status: number, message: string | RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(Object.keys(answer.body)).toEqual(["task"]);
  const task = answer.body.task as Record<string, unknown>;
  expect(Object.keys(task)).toEqual(["error_message"]);
  if (typeof message === "string") expect(task.error_message).toBe(message);
  else expect(String(task.error_message)).toMatch(message);
}

const hmacHex = (key: string, text: string): string => nodeCrypto.createHmac("sha256", key).update(text, "utf8").digest("hex") as string;

/** RFC 9562 UUIDv8 from the first 16 bytes of a hex digest: version nibble 8, variant bits 10. */
function uuidV8(hex: string): string {
  const h = hex.slice(0, 32).split("");
  h[12] = "8";
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return [s.slice(0, 8), s.slice(8, 12), s.slice(12, 16), s.slice(16, 20), s.slice(20)].join("-");
}

/** ap_guid as the gateway compares it: trimmed, lower case. */
const guid = (apGuid: string): string => apGuid.trim().toLowerCase();

/**
 * The documented formula for external_id, computed independently of the gateway: keyed with the
 * server's path secret, so that nobody without it can compute an id from small integers.
 */
export const expectedExternalId = (apGuid: string, subscriptionId: string, secret = PATH_SECRET): string =>
  uuidV8(hmacHex(secret, JSON.stringify(["activeplatform:external_id", guid(apGuid), subscriptionId])));

/** The documented formula for the user id. */
export const expectedUserId = (apGuid: string, resellerId: string, email: string, secret = PATH_SECRET): string =>
  uuidV8(hmacHex(secret, JSON.stringify(["activeplatform:user_id", guid(apGuid), resellerId, email.trim().toLowerCase()])));

/** The unkeyed SHA-256 formula ids used to follow: anyone could compute it. */
export const unkeyedExternalId = (apGuid: string, subscriptionId: string): string =>
  uuidV8(
    nodeCrypto
      .createHash("sha256")
      .update(JSON.stringify(["activeplatform-subscription", apGuid, subscriptionId]), "utf8")
      .digest("hex") as string,
  );

const reseller = () => ({
  id: 1001,
  name: "Reseller One",
  company_name: "Reseller One Ltd",
  first_address: "1 Main Street",
  city: "Springfield",
  zip: "12345",
  country: "US",
  company_phone: "+15550100",
  company_email: "billing@reseller.example",
  currency: "USD",
  attributes: {},
  core_attributes: {},
});

export function plan(period: { value: number; type: string } | null = { value: 1, type: "Month" }, resources = [{ key: "users", quantity: 10 }]) {
  return {
    name: "Team",
    description: "Team plan",
    sku: "TEAM-M",
    resources: resources.map((r, i) => ({ resource: `res-guid-${i}`, ...r })),
    period,
  };
}

/** A subscription/create body shaped like the §A.8 example. */
export function createBody(subscriptionId: string, overrides: Record<string, unknown> = {}) {
  return {
    reseller: reseller(),
    distributor: { id: 7, name: "Distributor", region: "EU", currency: "EUR", attributes: {} },
    tenant: {
      id: 42,
      company_name: "Customer Inc",
      type: "company",
      contact: { first_name: "Jane", last_name: "Roe", email: "jane.roe@customer.example", phone: "+15550111", country: "US" },
    },
    plan: plan(),
    subscription: { id: subscriptionId, attributes: {} },
    ...overrides,
  };
}

/**
 * The seed renew body. docs/activeplatform.md has no literal renew example, so this one is built from
 * §A.6 (objects) and §A.8 ("external_id + reseller + the other objects; renew also carries the
 * subscription object"): external_id, the reseller, the subscription and the plan with its period.
 */
export function seedRenewBody(externalId: string, subscriptionId = "3007255") {
  return {
    external_id: externalId,
    reseller: reseller(),
    subscription: { id: subscriptionId, attributes: {} },
    plan: plan({ value: 1, type: "Month" }),
  };
}

export async function createSubscription(opts: { apGuid?: string; subscriptionId?: string; body?: Record<string, unknown> } = {}) {
  const apGuid = opts.apGuid ?? "ap-guid-test";
  const subscriptionId = opts.subscriptionId ?? unique("S");
  const answer = await call("subscription/create", opts.body ?? createBody(subscriptionId), { apGuid });
  expect(answer.status, answer.text).toBe(201);
  const externalId = String(answer.body.external_id);
  expect(externalId).toBe(expectedExternalId(apGuid, subscriptionId));
  return { externalId, subscriptionId, apGuid, key: `activeplatform:${externalId}` };
}

/**
 * Puts an instance into a state ActivePlatform has no event for (expired), through the same
 * object API the KooGallery adapter uses. Setup only: the code under test is the AP adapter.
 */
export async function applyDirect(key: string, externalId: string, action: LifecycleCommand["action"]): Promise<ApplyResult> {
  const cmd: LifecycleCommand = {
    instanceKey: key,
    source: "activeplatform",
    externalId,
    action,
    eventKey: `test-setup:${action}:${unique("k")}`,
    keyScope: "order",
    test: false,
    origin: { system: "activeplatform", activity: "test-setup", raw: {} },
    answer: {},
  };
  return (await env.INSTANCES.get(env.INSTANCES.idFromName(key)).apply(cmd)) as ApplyResult;
}

export const DAY_MS = 86_400_000;

/** Independent month arithmetic for expectations: same day next month, clamped to its last day. */
export function plusMonthsUtc(iso: string, months: number): string {
  const d = new Date(iso);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())).toISOString();
}

export { details };
