/**
 * @module marketplaces/koogallery/crypto/auth-v1
 * KooGallery V1 `authToken` (docs/koogallery.md §2.1): base64 HMAC-SHA256 over the sorted, decoded
 * query string, keyed with the seller Key concatenated with the request's own `timeStamp`.
 */
import { hmacSha256 } from "../../../crypto/digest";
import { toBase64 } from "../../../crypto/encoding";
import { timingSafeEqual } from "../../../crypto/timing-safe";

const TOKEN_PARAM = "authToken";
const TIMESTAMP_PARAM = "timeStamp";

/**
 * The string KooGallery signs: every parameter except `authToken` (timeStamp and empty values
 * included), first value of a repeated name, names sorted by UTF-16 code unit like Java's
 * TreeMap, values as decoded by URLSearchParams (servlet semantics, no re-encoding).
 */
export function v1StringToSign(params: URLSearchParams): string {
  const first = new Map<string, string>();
  for (const [name, value] of params) {
    if (name !== TOKEN_PARAM && !first.has(name)) first.set(name, value);
  }
  // Default sort compares UTF-16 code units, which is what String.compareTo does; localeCompare would not.
  const names = [...first.keys()].sort();
  return names.map((name) => `${name}=${first.get(name) ?? ""}`).join("&");
}

/** base64(HMAC-SHA256(accessKey + timeStamp, v1StringToSign(params))). `timeStamp` must be present. */
export async function computeAuthToken(accessKey: string, params: URLSearchParams): Promise<string> {
  const timeStamp = params.get(TIMESTAMP_PARAM);
  if (timeStamp === null) throw new Error("timeStamp parameter is required to compute an authToken");
  return toBase64(await hmacSha256(accessKey + timeStamp, v1StringToSign(params)));
}

/**
 * Checks the received `authToken` in constant time. A `+` sent unencoded arrives as a space after
 * form decoding, so spaces are mapped back before comparing (§6 #7).
 */
export async function verifyAuthToken(accessKey: string, params: URLSearchParams): Promise<boolean> {
  const received = params.get(TOKEN_PARAM);
  if (received === null || received === "" || params.get(TIMESTAMP_PARAM) === null) return false;
  const expected = await computeAuthToken(accessKey, params);
  return timingSafeEqual(received.replace(/ /g, "+"), expected);
}
