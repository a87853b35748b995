/**
 * Properties of every signer: what is signed verifies, and changing one character of the message,
 * the key or the signature makes verification fail.
 *
 * Where the product only signs (Body-Sign, Standard Webhooks, KooDrive app signature, MOR hash),
 * the verifier is a second implementation that shares no code with src/: the independent
 * KooGallery signer (tools/lib/koogallery-signer.mjs) or node:crypto written from the protocol
 * notes (docs/koodrive.md §B.5, docs/mor.md §C.3, Standard Webhooks "Signature scheme").
 * The only changes that still verify are the ones the protocols make equivalent on purpose, and
 * each is excluded where it is generated, with the reason.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appAuthorization } from "../../src/connectors/koodrive/app-signature";
import { morHash } from "../../src/connectors/mor/hash";
import { signWebhook } from "../../src/connectors/vendor-webhook/standard-webhooks";
import { computeAuthToken, verifyAuthToken } from "../../src/marketplaces/koogallery/crypto/auth-v1";
import { computeV2Signature, verifyV2Signature } from "../../src/marketplaces/koogallery/crypto/auth-v2";
import { bodySignHeader } from "../../src/marketplaces/koogallery/crypto/body-sign";
import { signV1Query, signV2, verifyBodySign } from "../../tools/lib/koogallery-signer.mjs";
import { createHash, createHmac } from "../connectors/support/node-crypto";

const RUNS = { numRuns: 150 };

// ---------------------------------------------------------------------------------------------
// One-character edits

/** Characters an edit puts in: separators the schemes use, padding, space, non-ASCII, astral, NUL. */
const EDIT_CHARS = ["a", "Z", "0", "+", "/", "=", "&", ".", ",", " ", "%", "é", "你", "😀", "\u0000"];

interface Edit {
  op: "replace" | "insert" | "delete";
  at: number;
  ch: string;
}
const editArb: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom("replace" as const, "insert" as const, "delete" as const),
  at: fc.nat(),
  ch: fc.constantFrom(...EDIT_CHARS),
});

/** One code point replaced, inserted or deleted; the result always differs from `s`. */
function applyEdit(s: string, e: Edit): string {
  const cps = Array.from(s);
  if (cps.length === 0 || e.op === "insert") {
    cps.splice(e.at % (cps.length + 1), 0, e.ch);
  } else if (e.op === "delete") {
    cps.splice(e.at % cps.length, 1);
  } else {
    const i = e.at % cps.length;
    cps[i] = cps[i] === e.ch ? (e.ch === "a" ? "b" : "a") : e.ch;
  }
  return cps.join("");
}

/** One character of an encoded signature replaced by another of its alphabet. */
function editEncoded(sig: string, at: number, pick: number, alphabet: string, same = (a: string, b: string) => a === b): string {
  const i = at % sig.length;
  const options = [...alphabet].filter((c) => !same(c, sig[i]!));
  return sig.slice(0, i) + options[pick % options.length]! + sig.slice(i + 1);
}
const HEX = "0123456789abcdef";
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const sameIgnoringCase = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A byte of a binary key changed. */
function flipByte(key: Uint8Array, at: number, by: number): Uint8Array {
  const out = key.slice();
  const i = at % out.length;
  out[i] = out[i]! ^ (1 + (by % 255));
  return out;
}

// Valid Unicode only (no lone surrogates): a lone surrogate and U+FFFD encode to the same UTF-8
// bytes, so a "change" between them would not be one on the wire.
const text = (maxLength = 200) => fc.string({ unit: "binary", maxLength });
const keyText = fc.oneof(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 80 }), fc.string({ unit: "binary", minLength: 1, maxLength: 80 }));
const withoutTrailingNul = (key: string) => {
  let end = key.length;
  while (end > 0 && key[end - 1] === "\u0000") end--;
  return key.slice(0, end);
};
const editedKey = (key: string, e: Edit) => {
  const next = applyEdit(key, e);
  // WebCrypto refuses an empty HMAC key outright; that is not a verification result.
  fc.pre(next.length > 0);
  // HMAC pads a short key with zero bytes (RFC 2104 §2), so K and K + NUL are the same key.
  fc.pre(withoutTrailingNul(next) !== withoutTrailingNul(key));
  return next;
};

// ---------------------------------------------------------------------------------------------
// KooGallery V1 authToken (docs/koogallery.md §2.1): the product signs and verifies.

const reservedV1 = new Set(["authToken", "timeStamp"]);
const v1ParamsArb = fc
  .uniqueArray(fc.tuple(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }), text(40)), { selector: ([name]) => name, maxLength: 8 })
  .map((pairs) => pairs.filter(([name]) => !reservedV1.has(name)))
  .chain((pairs) => fc.tuple(fc.constant(pairs), fc.stringMatching(/^\d{17}$/)))
  .map(([pairs, timeStamp]) => Object.fromEntries([...pairs, ["timeStamp", timeStamp]]) as Record<string, string>);

/** The query as the Worker parses it, with `authToken` set to `token`. */
function v1Query(params: Record<string, string>, token: string): URLSearchParams {
  const query = new URLSearchParams(Object.entries(params));
  query.set("authToken", token);
  return query;
}

describe("KooGallery V1 authToken", () => {
  it("a query signed by the independent signer or by the product verifies", async () => {
    await fc.assert(
      fc.asyncProperty(keyText, v1ParamsArb, async (key, params) => {
        expect(await verifyAuthToken(key, new URLSearchParams(signV1Query(key, params)))).toBe(true);
        const token = await computeAuthToken(key, new URLSearchParams(Object.entries(params)));
        expect(await verifyAuthToken(key, v1Query(params, token))).toBe(true);
      }),
      RUNS,
    );
  });

  it("one character changed in any parameter value (timeStamp included), the key or the token fails", async () => {
    await fc.assert(
      fc.asyncProperty(keyText, v1ParamsArb, fc.nat(), editArb, fc.nat(), fc.nat(), async (key, params, which, edit, at, pick) => {
        const token = new URLSearchParams(signV1Query(key, params)).get("authToken")!;
        const names = Object.keys(params);
        const name = names[which % names.length]!;
        expect(await verifyAuthToken(key, v1Query({ ...params, [name]: applyEdit(params[name]!, edit) }, token))).toBe(false);
        expect(await verifyAuthToken(editedKey(key, edit), v1Query(params, token))).toBe(false);
        // No space among the replacements: a space is read as "+" on purpose (an unencoded "+"
        // arrives as a space, docs/koogallery.md §6 #7).
        const badToken = editEncoded(token, at, pick, BASE64 + "=", (a, b) => a === b);
        expect(await verifyAuthToken(key, v1Query(params, badToken))).toBe(false);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// KooGallery V2 signature (docs/koogallery.md §2.2): the product verifies.

const nonceArb = fc.string({ unit: fc.constantFrom(...HEX.toUpperCase()), minLength: 16, maxLength: 64 });
const timestampArb = fc.stringMatching(/^\d{13}$/);
const v2BodyArb = fc.oneof(
  text(300),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.stringify(o)),
);

/** Whether two texts are one JSON value once null members are dropped (written apart from src/crypto/canonical-json). */
function sameJsonValue(a: string, b: string): boolean {
  const normal = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(normal);
    if (v === null || typeof v !== "object") return typeof v === "number" && v === 0 ? 0 : v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([k, x]) => [k, normal(x)]),
    );
  };
  try {
    return JSON.stringify(normal(JSON.parse(a))) === JSON.stringify(normal(JSON.parse(b)));
  } catch {
    return false;
  }
}

describe("KooGallery V2 signature", () => {
  it("a body signed by the independent signer or by the product verifies as raw", async () => {
    await fc.assert(
      fc.asyncProperty(keyText, v2BodyArb, nonceArb, timestampArb, async (key, body, nonce, timestamp) => {
        const { signature } = signV2(key, body, { nonce, timestamp });
        expect(await verifyV2Signature(key, body, nonce, timestamp, signature)).toBe("raw");
        const own = await computeV2Signature(key, body, nonce, timestamp);
        expect(own).toBe(signature);
      }),
      RUNS,
    );
  });

  it("one character changed in the body, nonce, timestamp, key or signature fails", async () => {
    await fc.assert(
      fc.asyncProperty(keyText, v2BodyArb, nonceArb, timestampArb, editArb, fc.nat(), fc.nat(), async (key, body, nonce, timestamp, edit, at, pick) => {
        const { signature } = signV2(key, body, { nonce, timestamp });
        // A changed body passes only as the same JSON value: Huawei's sample signs the body
        // re-serialized (keys sorted, null members dropped), so spacing and order are not signed.
        const changedBody = applyEdit(body, edit);
        const viaBody = await verifyV2Signature(key, changedBody, nonce, timestamp, signature);
        if (viaBody !== null) {
          expect(viaBody).toBe("canonical");
          expect(sameJsonValue(changedBody, body)).toBe(true);
        }
        expect(await verifyV2Signature(key, body, applyEdit(nonce, edit), timestamp, signature)).toBeNull();
        expect(await verifyV2Signature(key, body, nonce, applyEdit(timestamp, edit), signature)).toBeNull();
        expect(await verifyV2Signature(editedKey(key, edit), body, nonce, timestamp, signature)).toBeNull();
        // Hex case does not matter (the docs show upper case, the sample emits lower case).
        const badSignature = editEncoded(signature, at, pick, HEX, sameIgnoringCase);
        expect(await verifyV2Signature(key, body, nonce, timestamp, badSignature)).toBeNull();
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Body-Sign on KooGallery answers (docs/koogallery.md §2.3): the product signs, the independent signer checks.

describe("KooGallery Body-Sign", () => {
  it("every answer's Body-Sign verifies with the independent signer; a changed body, key or signature does not", async () => {
    await fc.assert(
      fc.asyncProperty(keyText, text(300), editArb, fc.nat(), fc.nat(), async (key, body, edit, at, pick) => {
        const header = await bodySignHeader(key, body);
        expect(verifyBodySign(key, body, header)).toBe(true);
        expect(verifyBodySign(key, applyEdit(body, edit), header)).toBe(false);
        expect(verifyBodySign(editedKey(key, edit), body, header)).toBe(false);
        const signature = /signature= "([^"]+)"/.exec(header)![1]!;
        const badHeader = header.replace(signature, editEncoded(signature, at, pick, BASE64 + "="));
        expect(verifyBodySign(key, body, badHeader)).toBe(false);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Standard Webhooks (vendor connector): the product signs, node:crypto verifies as the spec says.

/** Verifies one `v1,` signature the way the reference libraries do: recompute, compare the base64 text. */
function verifyWebhook(key: Uint8Array, id: string, timestampS: number, body: string, header: string): boolean {
  const expected = createHmac("sha256", key).update(`${id}.${timestampS}.${body}`, "utf8").digest("base64");
  return header.split(" ").some((part) => {
    const [version, signature] = part.split(",");
    return version === "v1" && signature === expected;
  });
}
const secretOf = (key: Uint8Array) => `whsec_${btoa(String.fromCharCode(...key))}`;

describe("Standard Webhooks", () => {
  const keyArb = fc.uint8Array({ minLength: 1, maxLength: 64 });
  const idArb = fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 });
  const timestampArb = fc.integer({ min: 0, max: 4_102_444_800 });

  it("a signed message verifies; one changed character of body or id, another timestamp, one changed key byte or signature character fails", async () => {
    await fc.assert(
      fc.asyncProperty(
        keyArb,
        idArb,
        timestampArb,
        text(300),
        editArb,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 10_000_000 }),
        async (key, id, ts, body, edit, at, pick, shift) => {
          const header = await signWebhook(secretOf(key), id, ts, body);
          expect(verifyWebhook(key, id, ts, body, header)).toBe(true);
          expect(verifyWebhook(key, id, ts, applyEdit(body, edit), header)).toBe(false);
          const otherId = applyEdit(id, edit);
          fc.pre(otherId !== "");
          expect(verifyWebhook(key, otherId, ts, body, header)).toBe(false);
          expect(verifyWebhook(key, id, ts + shift, body, header)).toBe(false);
          expect(verifyWebhook(flipByte(key, at, pick), id, ts, body, header)).toBe(false);
          const signature = header.slice("v1,".length);
          expect(verifyWebhook(key, id, ts, body, `v1,${editEncoded(signature, at, pick, BASE64 + "=")}`)).toBe(false);
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// KooDrive app signature (docs/koodrive.md §B.5): the product signs; this is a second implementation.

/** RFC 3986 over UTF-8 bytes: unreserved stay, every other byte is %XY in upper case. */
function rfc3986Bytes(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface KooDriveRequest {
  method: string;
  url: string;
  xDate: string;
  userId: string;
  body: string;
}

/** The signature §B.5 gives for a request as fetch sends it (URL parsed, header values trimmed). */
function kooDriveSignature(secret: string, r: KooDriveRequest): string {
  const url = new URL(r.url);
  const uri = url.pathname
    .split("/")
    .map((s) => rfc3986Bytes(decodedSegment(s)))
    .join("/");
  const query = [...url.searchParams]
    .map(([n, v]) => [rfc3986Bytes(n), rfc3986Bytes(v)] as const)
    // By name, then value: sorting the joined "n=v" text would put "%2420=" before "%24=".
    .sort(([an, av], [bn, bv]) => (an !== bn ? (an < bn ? -1 : 1) : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join("&");
  const headers = `host:${url.host}\nx-date:${r.xDate.trim()}\nx-user-id:${r.userId.trim()}\n`;
  const canonical = [
    r.method.toUpperCase(),
    uri.endsWith("/") ? uri : `${uri}/`,
    query,
    headers,
    "host;x-date;x-user-id",
    createHash("sha256").update(r.body, "utf8").digest("hex"),
  ].join("\n");
  const toSign = `HMAC-SHA256\n${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
  return createHmac("sha256", secret).update(toSign, "utf8").digest("hex");
}

const verifyKooDrive = (secret: string, r: KooDriveRequest, authorization: string): boolean =>
  /^HMAC-SHA256 AppId=[^,\s]+,SignedHeaders=host;x-date;x-user-id,Signature=([0-9a-f]{64})$/.exec(authorization)?.[1] === kooDriveSignature(secret, r);

const segmentChars = fc.constantFrom(..."abcXYZ019-_.~!$'()*+,;=:@ é你");
const kooDriveRequestArb: fc.Arbitrary<KooDriveRequest> = fc
  .record({
    method: fc.constantFrom("GET", "POST", "PUT", "DELETE"),
    host: fc.constantFrom("koodrive.test", "intl.example-koodrive.com:8443", "127.0.0.1:9000"),
    segments: fc.array(fc.string({ unit: segmentChars, minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 5 }),
    trailingSlash: fc.boolean(),
    query: fc.array(fc.tuple(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 6 }), text(12)), { maxLength: 4 }),
    xDate: fc.stringMatching(/^20\d{6}T\d{6}Z$/),
    userId: fc.stringMatching(/^\d{1,19}$/),
    body: text(200),
  })
  .map(({ method, host, segments, trailingSlash, query, xDate, userId, body }) => {
    const url = new URL(`https://${host}/`);
    url.pathname = `/${segments.join("/")}${trailingSlash ? "/" : ""}`;
    url.search = new URLSearchParams(query).toString();
    return { method, url: url.href, xDate, userId, body };
  });

const signKooDrive = (secret: string, r: KooDriveRequest) =>
  appAuthorization({ appId: "app-1", appSecret: secret, method: r.method, url: r.url, headers: { "X-Date": r.xDate, "X-User-Id": r.userId }, body: r.body });

/** The request with one part changed by one character, or null when fetch would send the same request. */
function editRequest(r: KooDriveRequest, part: number, edit: Edit): KooDriveRequest | null {
  const url = new URL(r.url);
  let next: KooDriveRequest;
  switch (part % 7) {
    case 0:
      next = { ...r, body: applyEdit(r.body, edit) };
      break;
    case 1:
      next = { ...r, xDate: applyEdit(r.xDate, edit) };
      break;
    case 2:
      next = { ...r, userId: applyEdit(r.userId, edit) };
      break;
    case 3:
      next = { ...r, method: r.method === "POST" ? "PUT" : "POST" };
      break;
    case 4: {
      url.pathname = applyEdit(url.pathname, edit);
      next = { ...r, url: url.href };
      break;
    }
    case 5: {
      const pairs = [...url.searchParams];
      if (pairs.length === 0) pairs.push(["", ""]);
      const i = edit.at % pairs.length;
      pairs[i] = [pairs[i]![0], applyEdit(pairs[i]![1], edit)];
      url.search = new URLSearchParams(pairs).toString();
      next = { ...r, url: url.href };
      break;
    }
    default:
      url.host = url.hostname === "koodrive.test" ? "koodrive.tests" : "koodrive.test";
      next = { ...r, url: url.href };
  }
  // fetch trims header values and URL parsing normalises the path ("/a/./b", "\" as "/"), and
  // percent-escapes differing only in hex case are one URI (RFC 3986 §6.2.2.1): such a change is
  // no change on the wire. And the canonical URI always ends in "/" (§B.5), so the scheme itself
  // does not tell "/a" from "/a/".
  const uri = (u: string) => {
    const url = new URL(u);
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    return url.href.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
  };
  const wire = (q: KooDriveRequest) => [q.method, uri(q.url), q.xDate.trim(), q.userId.trim(), q.body].join("\n");
  return wire(next) === wire(r) ? null : next;
}

describe("KooDrive app signature", () => {
  it("every Authorization header verifies with the second implementation", async () => {
    await fc.assert(
      fc.asyncProperty(keyText, kooDriveRequestArb, async (secret, r) => {
        expect(verifyKooDrive(secret, r, await signKooDrive(secret, r))).toBe(true);
      }),
      RUNS,
    );
  });

  it("one character changed in method, host, path, query, body, X-Date, X-User-Id, the secret or the signature fails", async () => {
    await fc.assert(
      fc.asyncProperty(keyText, kooDriveRequestArb, fc.nat(), editArb, fc.nat(), fc.nat(), async (secret, r, part, edit, at, pick) => {
        const authorization = await signKooDrive(secret, r);
        const changed = editRequest(r, part, edit);
        fc.pre(changed !== null);
        expect(verifyKooDrive(secret, changed!, authorization)).toBe(false);
        expect(verifyKooDrive(editedKey(secret, edit), r, authorization)).toBe(false);
        const signature = authorization.slice(authorization.lastIndexOf("=") + 1);
        const bad = authorization.slice(0, authorization.length - signature.length) + editEncoded(signature, at, pick, HEX);
        expect(verifyKooDrive(secret, r, bad)).toBe(false);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Kolmisoft MOR hash (docs/mor.md §C.3): the product signs; SHA-1 over the values then the secret.

const verifyMor = (values: string[], secret: string, hash: string) =>
  createHash("sha1")
    .update(values.join("") + secret, "utf8")
    .digest("hex") === hash;

describe("MOR hash", () => {
  it("a hash verifies; one changed character in any value, the secret or the hash fails", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(text(30), { minLength: 1, maxLength: 8 }),
        keyText,
        fc.nat(),
        editArb,
        fc.nat(),
        fc.nat(),
        async (values, secret, which, edit, at, pick) => {
          const hash = await morHash(values, secret);
          expect(verifyMor(values, secret, hash)).toBe(true);
          const i = which % values.length;
          const changed = values.map((v, j) => (j === i ? applyEdit(v, edit) : v));
          expect(verifyMor(changed, secret, hash)).toBe(false);
          expect(verifyMor(values, applyEdit(secret, edit), hash)).toBe(false);
          expect(verifyMor(values, secret, editEncoded(hash, at, pick, HEX))).toBe(false);
        },
      ),
      RUNS,
    );
  });
});
