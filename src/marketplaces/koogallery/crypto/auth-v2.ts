/**
 * @module marketplaces/koogallery/crypto/auth-v2
 * KooGallery V2 request signature (docs/koogallery.md §2.2):
 * `hex(HMAC(K, K + nonce + timestamp + lowerhex(HMAC(K, payload))))`, plus the timestamp rules.
 */
import { hmacSha256 } from "../../../crypto/digest";
import { toHex } from "../../../crypto/encoding";
import { timingSafeEqual } from "../../../crypto/timing-safe";
import { canonicalJson as sortedJson } from "../../../crypto/canonical-json";
import { exceedsJsonDepth } from "../../../http/json-depth";

/** Which payload form produced the matching signature. */
export type V2Match = "raw" | "canonical";

/** Lowercase hex V2 signature. `inner` must be lowercase because it is itself hashed. */
export async function computeV2Signature(accessKey: string, payload: string, nonce: string, timestamp: string): Promise<string> {
  const inner = toHex(await hmacSha256(accessKey, payload));
  return toHex(await hmacSha256(accessKey, accessKey + nonce + timestamp + inner));
}

/**
 * Huawei's sample re-serializes the body (TreeMap, nulls dropped, compact Jackson) before hashing;
 * this reproduces that: object keys sorted ascending at every depth, null members removed, no spaces.
 */
export function canonicalJson(value: unknown): string {
  return sortedJson(value, { dropNulls: true });
}

function parseObject(rawBody: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Verifies against the raw body first, then against its canonical re-serialization (only when the
 * body is a JSON object). Hex is compared case-insensitively: docs show uppercase, the sample emits
 * lowercase. A body nested too deeply to re-serialise has no canonical form: it verifies only raw.
 */
export async function verifyV2Signature(accessKey: string, rawBody: string, nonce: string, timestamp: string, signature: string): Promise<V2Match | null> {
  const received = signature.toLowerCase();
  const raw = await computeV2Signature(accessKey, rawBody, nonce, timestamp);
  if (await timingSafeEqual(received, raw)) return "raw";
  const parsed = parseObject(rawBody);
  if (parsed === null || exceedsJsonDepth(parsed)) return null;
  const canonical = canonicalJson(parsed);
  if (canonical === rawBody) return null;
  const viaCanonical = await computeV2Signature(accessKey, canonical, nonce, timestamp);
  return (await timingSafeEqual(received, viaCanonical)) ? "canonical" : null;
}

const MS_DIGITS = 13;
const MAX_SECONDS_DIGITS = 10;

/**
 * Timestamp in ms. Examples and the sample use 13-digit milliseconds, some pages say seconds
 * (§6 #1), so ≤ 10 digits are read as seconds; any other shape is rejected.
 */
export function parseV2Timestamp(value: string): number | null {
  if (!/^[0-9]+$/.test(value)) return null;
  if (value.length === MS_DIGITS) return Number(value);
  if (value.length <= MAX_SECONDS_DIGITS) return Number(value) * 1000;
  return null;
}

/** Two-sided window: the sample only rejects old stamps, but a far-future stamp is as suspect. */
export function isTimestampFresh(timestampMs: number, nowMs: number, toleranceS: number): boolean {
  return Math.abs(nowMs - timestampMs) <= toleranceS * 1000;
}
