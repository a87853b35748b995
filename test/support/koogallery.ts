/**
 * Builds valid, independently signed KooGallery calls (tools/lib/koogallery-signer.mjs, node:crypto)
 * and sends them through the Worker. Each negative test starts from a valid call and breaks one thing.
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { signV1Query, signV2, v1TimeStamp, verifyBodySign } from "../../tools/lib/koogallery-signer.mjs";

/** The spec's fake seller key; vitest.config.mts sets the same KOOGALLERY_ACCESS_KEY. */
export const ACCESS_KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
export const BASE = "https://gateway.test/koogallery";

export interface KooAnswer {
  status: number;
  body: Record<string, unknown> & { resultCode: string; resultMsg?: string };
  text: string;
  bodySign: string | null;
}

let counter = 0;
/** Unique ids per call, so tests sharing one file's storage never collide. */
export const unique = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(++counter).toString(36)}`;

/**
 * The marketplace time of the next call: KooGallery stamps each call when it sends it, so two
 * calls a test sends one after the other carry increasing times even inside one millisecond (the
 * gateway orders an instance's calls by this time). Explicit stamps are the test's own business.
 */
let lastStampMs = 0;
export function nextStampMs(): number {
  lastStampMs = Math.max(Date.now(), lastStampMs + 1);
  return lastStampMs;
}

/** V1 `timeStamp` (yyyyMMddHHmmssSSS, UTC) for a time in ms. */
export const v1Stamp = (ms: number): string => v1TimeStamp(new Date(ms));

export function v1Url(params: Record<string, string>, key = ACCESS_KEY): string {
  return `${BASE}?${signV1Query(key, { timeStamp: v1Stamp(nextStampMs()), ...params })}`;
}

export function v2Request(
  body: Record<string, unknown> | string,
  opts: { key?: string; nonce?: string; timestamp?: string; contentType?: string } = {},
): Request {
  const text = typeof body === "string" ? body : JSON.stringify(sortKeys(body));
  const timestamp = opts.timestamp ?? String(nextStampMs());
  const signed = signV2(opts.key ?? ACCESS_KEY, text, { nonce: opts.nonce, timestamp });
  return new Request(`${BASE}?${signed.query}`, {
    method: "POST",
    headers: { "Content-Type": opts.contentType ?? "application/json;charset=utf8" },
    body: text,
  });
}

/** KooGallery sends compact JSON with keys ascending. */
function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function send(request: Request | string): Promise<KooAnswer> {
  const response = await exports.default.fetch(typeof request === "string" ? new Request(request) : request);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text, bodySign: response.headers.get("Body-Sign") };
}

export const v1 = (params: Record<string, string>) => send(v1Url(params));
export const v2 = (body: Record<string, unknown>) => send(v2Request(body));

/** Every KooGallery answer is HTTP 200 with a Body-Sign that verifies over the exact bytes. */
export function expectSigned(answer: KooAnswer, resultCode: string): void {
  expect(answer.status).toBe(200);
  expect(answer.body.resultCode, answer.text).toBe(resultCode);
  expect(verifyBodySign(ACCESS_KEY, answer.text, answer.bodySign)).toBe(true);
}

/** A V1 newInstance's parameters (without timeStamp): the seed page's example with a fresh businessId. */
export const newInstanceParams = (orderId: string): Record<string, string> => ({
  activity: "newInstance",
  businessId: crypto.randomUUID(),
  customerId: "68cbc86abc2018ab880d92f36422fa0e",
  orderId,
  productId: "OFFI000000000000000001",
  expireTime: "20270201000000",
  testFlag: "0",
});

export async function newInstanceV1(extra: Record<string, string> = {}): Promise<{ instanceId: string; answer: KooAnswer; orderId: string }> {
  const orderId = extra.orderId ?? unique("CS");
  const answer = await v1({ ...newInstanceParams(orderId), ...extra });
  expectSigned(answer, "000000");
  return { instanceId: String(answer.body.instanceId), answer, orderId };
}

export async function newInstanceV2(extra: Record<string, string> = {}): Promise<{ instanceId: string; answer: KooAnswer; orderId: string }> {
  const orderId = extra.orderId ?? unique("CS");
  const answer = await v2({ activity: "newInstance", businessId: crypto.randomUUID(), orderId, orderLineId: `${orderId}-000001`, testFlag: "0", ...extra });
  expectSigned(answer, "000000");
  return { instanceId: String(answer.body.instanceId), answer, orderId };
}
