/**
 * @module tools/mocks/koodrive-sign
 * KooDrive app-mode signature (docs/koodrive.md §B.5), written from the spec for the mock's verifier:
 * CanonicalRequest -> StringToSign ("HMAC-SHA256\n" + hex SHA-256) -> lower-hex HMAC-SHA256 with
 * the AppSecret. Exported so the self-check can hold it against the spec's test vector.
 */
import { hmacSha256, sha256Hex } from "./util.mjs";

/** RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are; hex is upper-case. @param {string} s */
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Decode what arrived on the wire without throwing on stray `%`. @param {string} s */
const tryDecode = (s) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * Path segments re-encoded per RFC 3986, always ending in `/`.
 * @param {string} path as received, e.g. `/koodrive/ose/v1/carrier/users/notifyPackageExpire`
 */
function canonicalUri(path) {
  const encoded = path
    .split("/")
    .map((seg) => rfc3986(tryDecode(seg)))
    .join("/");
  return encoded.endsWith("/") ? encoded : `${encoded}/`;
}

/**
 * `name=value` pairs, both encoded, sorted byte-wise by name (then value), joined with `&`.
 * @param {string} rawQuery text after `?`
 */
function canonicalQuery(rawQuery) {
  if (!rawQuery) return "";
  const pairs = rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      const name = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? "" : p.slice(eq + 1);
      return [rfc3986(tryDecode(name)), rfc3986(tryDecode(value))];
    });
  // After encoding everything is ASCII, so code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/**
 * @param {object} r
 * @param {string} r.method
 * @param {string} r.path
 * @param {string} r.rawQuery
 * @param {Record<string, string>} r.headers lower-case names
 * @param {string[]} r.signedHeaders lower-case, in the order they will be listed
 * @param {string|Uint8Array} r.body exact bytes sent
 * @returns {string}
 */
export function canonicalRequest({ method, path, rawQuery, headers, signedHeaders, body }) {
  const names = [...signedHeaders].sort();
  const canonicalHeaders = names.map((n) => `${n}:${(headers[n] ?? "").trim()}\n`).join("");
  return [method.toUpperCase(), canonicalUri(path), canonicalQuery(rawQuery), canonicalHeaders, names.join(";"), sha256Hex(body)].join("\n");
}

/**
 * @param {string} canonical CanonicalRequest
 * @param {string} appSecret
 * @returns {{stringToSign: string, signature: string}}
 */
export function signCanonical(canonical, appSecret) {
  const stringToSign = `HMAC-SHA256\n${sha256Hex(canonical)}`;
  return { stringToSign, signature: hmacSha256(appSecret, stringToSign).toString("hex") };
}

/**
 * Parse `HMAC-SHA256 AppId=<id>,SignedHeaders=<a;b>,Signature=<hex>` (one space, no spaces after
 * commas, as documented).
 * @param {string} header
 * @returns {{appId: string, signedHeaders: string[], signature: string}|undefined}
 */
export function parseAppAuthorization(header) {
  const m = /^HMAC-SHA256 AppId=([^,\s]+),SignedHeaders=([^,\s]+),Signature=([^,\s]+)$/.exec(header);
  if (!m) return undefined;
  return { appId: m[1], signedHeaders: m[2].split(";"), signature: m[3] };
}
