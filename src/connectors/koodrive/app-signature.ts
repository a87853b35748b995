/**
 * @module connectors/koodrive/app-signature
 * KooDrive "app" authentication (docs/koodrive.md §B.5), the KooDrive variant of Huawei's SDK signing:
 *
 *   CanonicalRequest = METHOD \n URI/ \n query \n headers(with trailing \n) \n signedHeaders \n hex(sha256(body))
 *   StringToSign     = "HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(AppSecret, StringToSign))
 *   Authorization    = HMAC-SHA256 AppId=…,SignedHeaders=…,Signature=…
 *
 * Only an internally consistent vector exists (no real 200 yet); the one open question, whether the
 * string to sign also carries the request time as Huawei APIG's does, is isolated in
 * {@link stringToSign}.
 */
import { hmacSha256, sha256 } from "../../crypto/digest";
import { toHex } from "../../crypto/encoding";

const SIGNING_ALGORITHM = "HMAC-SHA256";

/** RFC 3986 percent-encoding: only `A–Z a–z 0–9 - _ . ~` stay literal, hex is upper case. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray "%" that is not an escape: encode it literally rather than refuse to sign.
    return segment;
  }
}

/**
 * Canonical URI: each segment decoded then RFC 3986-encoded (so an already-encoded path is not
 * double-encoded), always ending in `/`.
 */
export function canonicalUri(path: string): string {
  const encoded = (path.startsWith("/") ? path : `/${path}`)
    .split("/")
    .map((segment) => rfc3986(decodeSegment(segment)))
    .join("/");
  return encoded.endsWith("/") ? encoded : `${encoded}/`;
}

export type QueryInput = string | URLSearchParams | ReadonlyArray<readonly [string, string]>;

/** Canonical query: encoded `name=value` pairs (empty value keeps its `=`), sorted byte-wise. */
export function canonicalQuery(query: QueryInput): string {
  const params = typeof query === "string" ? new URLSearchParams(query.startsWith("?") ? query.slice(1) : query) : query;
  const pairs = [...params].map(([name, value]) => [rfc3986(name), rfc3986(value)] as const);
  // Encoded strings are ASCII, so code-unit order is byte order; equal names sort by value.
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

export interface CanonicalInput {
  method: string;
  /** URL path as it appears in the URL (percent-encoded or not). */
  path: string;
  query: QueryInput;
  /** Exactly the headers to sign; names are case-insensitive. */
  headers: Readonly<Record<string, string>>;
  /** Exact body bytes sent (a string is taken as its UTF-8 bytes). */
  body: string | Uint8Array;
}

/** Lower-cased, sorted signed header names, joined with `;`. */
function signedHeaders(headers: Readonly<Record<string, string>>): string {
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort()
    .join(";");
}

export async function canonicalRequest({ method, path, query, headers, body }: CanonicalInput): Promise<string> {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalHeaders = entries.map(([name, value]) => `${name}:${value}\n`).join("");
  return [
    method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(query),
    canonicalHeaders, // ends in "\n", so a blank line follows it, as the documented example shows
    entries.map(([name]) => name).join(";"),
    toHex(await sha256(body)),
  ].join("\n");
}

/**
 * KooDrive's documented two-line StringToSign. `xDate` is unused by it and accepted only so that
 * switching to the Huawei APIG variant is this one line:
 *   return `${SIGNING_ALGORITHM}\n${xDate}\n${hashed}`;
 * [verify against a real 200]
 */
export async function stringToSign(canonical: string, xDate?: string): Promise<string> {
  void xDate;
  const hashed = toHex(await sha256(canonical));
  return `${SIGNING_ALGORITHM}\n${hashed}`;
}

export interface AppAuthorizationInput {
  appId: string;
  appSecret: string;
  method: string;
  url: string | URL;
  /** Must contain `X-Date` and `X-User-Id` (any case); other headers are ignored (not signed). */
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array;
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The `Authorization` header value for one request. Recompute per attempt (X-Date changes). */
export async function appAuthorization({ appId, appSecret, method, url, headers, body }: AppAuthorizationInput): Promise<string> {
  if (appId.trim() === "" || /[\s,]/.test(appId)) {
    throw new Error("KooDrive app id (KOODRIVE_APP_ID) must be non-empty and contain no spaces or commas");
  }
  if (appSecret === "") throw new Error("KooDrive app secret (KOODRIVE_APP_SECRET) must not be empty");
  const target = typeof url === "string" ? new URL(url) : url;
  const xDate = headerValue(headers, "x-date");
  const userId = headerValue(headers, "x-user-id");
  if (xDate === undefined) throw new Error("KooDrive app signature needs an X-Date header");
  if (userId === undefined) throw new Error("KooDrive app signature needs an X-User-Id header");

  // `host` comes from the URL because that is the Host fetch sends; a Host given in `headers` is ignored.
  const signed = { host: target.host, "x-date": xDate, "x-user-id": userId };
  const canonical = await canonicalRequest({
    method,
    path: target.pathname,
    query: target.searchParams,
    headers: signed,
    body,
  });
  const signature = toHex(await hmacSha256(appSecret, await stringToSign(canonical, xDate)));
  return `${SIGNING_ALGORITHM} AppId=${appId},SignedHeaders=${signedHeaders(signed)},Signature=${signature}`;
}
