/**
 * @module tools/fuzz/generate
 * Seeded generators of malformed and hostile requests, one family per route. Pure apart from the
 * clock (V2 timestamps must be fresh when sent) and node:crypto signing; the same seed gives the
 * same sequence of mutations.
 *
 * Every case says whether it carries valid credentials (`creds`). Cases without them must change
 * nothing at all. Cases with them (a correct signature, path secret or admin token) are built so
 * that the gateway must still refuse them: broken or oversized bodies, unknown activities or
 * events, ids of instances that do not exist, replayed nonces. None is a call that could succeed.
 */
import { signV1Query, signV2, v1TimeStamp } from "../lib/koogallery-signer.mjs";

export const FAMILIES = Object.freeze(["koogallery-v1", "koogallery-v2", "activeplatform-subscription", "activeplatform-user", "admin"]);

/**
 * @typedef {object} FuzzContext
 * @property {string} key KooGallery access key
 * @property {string} pathSecret ACTIVEPLATFORM_PATH_SECRET
 * @property {string} adminToken
 * @property {string} v1InstanceId an existing instance, provisioned over V1
 * @property {string} v2InstanceId an existing instance, provisioned over V2
 * @property {string} apExternalId an existing ActivePlatform subscription
 * @property {string} apUserId an existing ActivePlatform user
 * @property {{ query: string, body: string }} v2Replay the V2 call that provisioned v2InstanceId, as sent
 * @property {number} toleranceS KOOGALLERY_TIMESTAMP_TOLERANCE_S of the gateway under test
 */

/**
 * @typedef {object} FuzzCase
 * @property {string} family
 * @property {string} kind what was done to the request, for the summary
 * @property {boolean} creds carries valid credentials (then it must still be refused)
 * @property {string} method
 * @property {string} path raw request target; bytes 0x21-0xFF only (sent as latin1)
 * @property {Record<string, string>} headers
 * @property {Buffer | null} body
 */

/** @typedef {() => number} Rng uniform in [0, 1) */

/**
 * sfc32 seeded from a 32-bit seed: small, fast, and good enough to pick mutations.
 * @param {number} seed
 * @returns {Rng}
 */
export function createRng(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** @template T @param {Rng} rng @param {readonly T[]} xs @returns {T} */
const pick = (rng, xs) => /** @type {T} */ (xs[Math.floor(rng() * xs.length)]);
/** @param {Rng} rng @param {number} lo @param {number} hi */
const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));
/** @param {Rng} rng @param {number} p */
const chance = (rng, p) => rng() < p;
/** @param {Rng} rng @param {number} n @param {string} alphabet */
const chars = (rng, n, alphabet) => Array.from({ length: n }, () => pick(rng, [...alphabet])).join("");
/** @param {Rng} rng */
const hex = (rng, n = 32) => chars(rng, n, "0123456789abcdef");
/** @param {Rng} rng */
const fakeUuid = (rng) => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-8${hex(rng, 3)}-${hex(rng, 12)}`;

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const JUNK = [
  "",
  " ",
  "\u0000",
  "null",
  "undefined",
  "NaN",
  "-1",
  "1e309",
  "0x10",
  "[]",
  "{}",
  "%",
  "%zz",
  "%00",
  "../../etc/passwd",
  "'; DROP TABLE instance;--",
  "<script>",
  "\u202e",
  "😀",
  "é",
  "\ud800",
  "A".repeat(300),
];

/**
 * A hostile string: junk constants, random printable text, or random code points. Lone
 * surrogates become U+FFFD (as UTF-8 encoding would make them anyway), so the text can be
 * percent-encoded; JSON bodies get escaped lone surrogates from {@link hostileBody}.
 * @param {Rng} rng @param {number} [max]
 */
function junkText(rng, max = 64) {
  return anyText(rng, max).toWellFormed();
}

/** @param {Rng} rng @param {number} max */
function anyText(rng, max) {
  switch (int(rng, 0, 3)) {
    case 0:
      return pick(rng, JUNK);
    case 1:
      return chars(rng, int(rng, 0, max), ALNUM + " -_.~!*'();:@&=+$,/?#[]%\"<>\\^`{|}");
    case 2:
      return Array.from({ length: int(rng, 0, max) }, () => String.fromCodePoint(int(rng, 0, 0x10ffff) & (chance(rng, 0.5) ? 0xff : 0x10ffff)))
        .join("")
        .replace(/[\ud800-\udfff]/g, "\ufffd");
    default:
      return String(int(rng, -1e6, 1e12));
  }
}

/** Bytes that are not UTF-8. @param {Rng} rng */
function invalidUtf8(rng) {
  const bad = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x90, 0x28, 0xbc], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80]];
  const prefix = Buffer.from(pick(rng, ['{"activity":"', '{"external_id":"', '{"id":"', ""]), "utf8");
  return Buffer.concat([prefix, Buffer.from(pick(rng, bad)), Buffer.from('"}')]);
}

/**
 * A body no JSON reader should accept as an object, or one built to hurt one: deep nesting,
 * huge strings, oversize, BOM, NUL, arrays, scalars, duplicate keys, prototype keys.
 * @param {Rng} rng
 * @returns {Buffer}
 */
function hostileBody(rng) {
  const depth = int(rng, 100, 20_000);
  switch (int(rng, 0, 13)) {
    case 0:
      return Buffer.from(junkText(rng, 200), "utf8");
    case 1:
      return Buffer.from("[".repeat(depth) + "]".repeat(depth));
    case 2:
      return Buffer.from('{"a":'.repeat(depth) + "1" + "}".repeat(depth));
    case 3:
      return Buffer.from("[".repeat(depth)); // unterminated
    case 4:
      return Buffer.alloc(int(rng, 65 * 1024, 2 * 1024 * 1024), "a"); // over the 64 KiB limit
    case 5:
      return Buffer.from(JSON.stringify({ activity: "newInstance", pad: "x".repeat(int(rng, 66_000, 300_000)) }));
    case 6:
      return invalidUtf8(rng);
    case 7:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"activity":"queryInstance"}')]);
    case 8:
      return Buffer.from(pick(rng, ["null", "true", "0", "-0", '""', "[]", "[{}]", "1e999", '"\\ud800"']));
    case 9:
      return Buffer.from('{"activity":"x","activity":"y","__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}');
    case 10:
      return Buffer.from(`{"a":"${"\\u0000".repeat(int(rng, 1, 500))}"}`);
    case 11:
      return Buffer.from(`{"n":${"9".repeat(int(rng, 20, 5000))}}`);
    case 12:
      return Buffer.alloc(0);
    default:
      return Buffer.from(`{${Array.from({ length: int(rng, 1000, 20_000) }, (_, i) => `"k${i}":${i}`).join(",")}}`);
  }
}

const CONTENT_TYPES = [
  "application/json",
  "application/json;charset=utf8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/xml",
  "",
  "*/*",
  "application/json\t;;;",
  "APPLICATION/JSON",
  "application/jsonp",
  "ä/ö",
];

/**
 * Junk headers on top of `base`: odd content types, long or binary values, many headers.
 * @param {Rng} rng @param {Record<string, string>} base
 * @returns {Record<string, string>}
 */
function junkHeaders(rng, base = {}) {
  /** @type {Record<string, string>} */
  const headers = { ...base };
  if (chance(rng, 0.3)) headers["content-type"] = pick(rng, CONTENT_TYPES);
  if (chance(rng, 0.15))
    headers[`x-junk-${hex(rng, 4)}`] = Buffer.from(Array.from({ length: int(rng, 1, 200) }, () => int(rng, 0x20, 0xff)))
      .toString("latin1")
      .replace(/\x7f/g, "");
  if (chance(rng, 0.05)) headers["x-long"] = "v".repeat(int(rng, 1000, 8000));
  if (chance(rng, 0.05)) for (let i = 0; i < int(rng, 20, 80); i++) headers[`x-many-${i}`] = hex(rng, 8);
  if (chance(rng, 0.05)) headers.accept = pick(rng, ["text/html", "application/xml", "*/*;q=0", "\u00ff"]);
  // Not "identity;q=0": refusing every coding gets a plain 415 from the runtime, before the Worker.
  if (chance(rng, 0.05)) headers["accept-encoding"] = pick(rng, ["gzip", "br", "deflate, gzip;q=0.5", "x-unknown"]);
  return headers;
}

/**
 * The request target as a client sends it: UTF-8, and percent-encoded where the runtime's HTTP
 * parser would otherwise refuse the request line itself ("400 invalid URI" for raw non-ASCII
 * bytes, `"`, `<`, `>` and backtick) before any Worker code runs. Stray `%`, `\\`, `{}` and the
 * like go through as they are.
 * @param {string} s
 */
const rawTarget = (s) =>
  Buffer.from(s, "utf8")
    .toString("latin1")
    .replace(/[^\u0021-\u007e]|["<>`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);

/**
 * Header values as bytes a client can send: text beyond latin1 as its UTF-8 bytes, and no CR, LF
 * or other controls.
 * @param {Record<string, string>} headers
 */
const sendable = (headers) =>
  Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [
      k,
      ([...v].some((ch) => ch.charCodeAt(0) > 0xff) ? Buffer.from(v, "utf8").toString("latin1") : v).replace(/[^\t\u0020-\u007e\u0080-\u00ff]/g, ""),
    ]),
  );

/**
 * The path with traversal, encoding, case or length games played on it.
 * @param {Rng} rng @param {string} path e.g. "/koogallery"
 */
function hostilePath(rng, path) {
  const segs = path.split("/").filter(Boolean);
  switch (int(rng, 0, 11)) {
    case 0:
      return `/x/..${path}`;
    case 1:
      return `/${segs[0]}/%2e%2e${path}`;
    case 2:
      return `/${path}`;
    case 3:
      return `${path}/`;
    case 4:
      return path.toUpperCase();
    case 5:
      return `${path}/${junkText(rng, 20).replace(/[?#]/g, "")}`;
    case 6:
      return path.replace(/o/, "%6f").replace(/a/, "%61");
    case 7:
      return `${path}/..%2f..%2f..%2fetc%2fpasswd`;
    case 8:
      return `${path}${"/a".repeat(int(rng, 500, 4000))}`;
    case 9:
      return `${path};jsessionid=${hex(rng)}`;
    case 10:
      return `${path}\\..\\`;
    default:
      return `${path}%00`;
  }
}

/**
 * Methods the runtime hands to the Worker. Unknown or lower-case ones ("FOO", "get") are answered
 * by workerd itself with a plain-text 501, and CONNECT with a 500, before any Worker code runs.
 */
const HOSTILE_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "MKCOL", "REPORT", "PURGE"];

/**
 * @param {string} family @param {string} kind @param {boolean} creds
 * @param {string} method @param {string} path @param {Record<string, string>} headers @param {Buffer | string | null} body
 * @returns {FuzzCase}
 */
function make(family, kind, creds, method, path, headers, body) {
  return { family, kind, creds, method, path: rawTarget(path), headers: sendable(headers), body: typeof body === "string" ? Buffer.from(body, "utf8") : body };
}

/** @typedef {(rng: Rng, ctx: FuzzContext) => FuzzCase} Mutator */

// ---------------------------------------------------------------------------------------------
// KooGallery V1: GET /koogallery?…&authToken=…

/** Parameters of a real V1 call (a lifecycle activity on an existing or an unknown instance). @param {Rng} rng @param {FuzzContext} ctx */
function v1Params(rng, ctx, { known = true } = {}) {
  const instanceId = known ? ctx.v1InstanceId : fakeUuid(rng);
  const activity = pick(rng, ["expireInstance", "releaseInstance", "refreshInstance", "upgrade", "instanceStatus", "newInstance", "queryInstance"]);
  /** @type {Record<string, string>} */
  const p = { activity, instanceId, orderId: `CS${hex(rng, 10).toUpperCase()}`, testFlag: "1", timeStamp: v1TimeStamp() };
  if (activity === "refreshInstance") p.expireTime = "20300101000000";
  if (activity === "upgrade") Object.assign(p, { skuCode: "sku-l", productId: "OFFI000000000000000002" });
  if (activity === "instanceStatus") p.instanceStatus = pick(rng, ["FREEZE", "NORMAL"]);
  if (activity === "newInstance") Object.assign(p, { businessId: fakeUuid(rng), customerId: hex(rng), productId: "OFFI000000000000000001" });
  return p;
}

/** @param {Record<string, string>} params */
const queryOf = (params) =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
const V1 = "koogallery-v1";

/** @type {Array<[number, string, boolean, Mutator]>} weight, kind, creds, build */
const V1_MUTATORS = [
  [
    4,
    "tampered param",
    false,
    (rng, ctx) => {
      const p = v1Params(rng, ctx);
      const signed = new URLSearchParams(signV1Query(ctx.key, p));
      const names = [...signed.keys()].filter((n) => n !== "authToken");
      const name = pick(rng, names);
      signed.set(name, `${signed.get(name)}${pick(rng, ["x", " ", "0", "%", "é"])}`);
      return make(V1, "tampered param", false, "GET", `/koogallery?${signed}`, junkHeaders(rng), null);
    },
  ],
  [
    3,
    "wrong key",
    false,
    (rng, ctx) =>
      make(V1, "wrong key", false, "GET", `/koogallery?${signV1Query(`${ctx.key}${pick(rng, ["x", " ", "0"])}`, v1Params(rng, ctx))}`, junkHeaders(rng), null),
  ],
  [
    3,
    "bad authToken",
    false,
    (rng, ctx) => {
      const token = pick(rng, ["", "=", junkText(rng, 100), Buffer.from(hex(rng)).toString("base64"), "A".repeat(int(rng, 1, 20_000))]);
      return make(V1, "bad authToken", false, "GET", `/koogallery?${queryOf({ ...v1Params(rng, ctx), authToken: token })}`, junkHeaders(rng), null);
    },
  ],
  [
    2,
    "stale timeStamp, bad authToken",
    false,
    (rng, ctx) => {
      const p = { ...v1Params(rng, ctx), timeStamp: pick(rng, ["20000101000000000", "19700101000000000", "99991231235959999", "2025", junkText(rng, 20)]) };
      return make(
        V1,
        "stale timeStamp, bad authToken",
        false,
        "GET",
        `/koogallery?${queryOf({ ...p, authToken: Buffer.from(hex(rng)).toString("base64") })}`,
        {},
        null,
      );
    },
  ],
  [
    2,
    "missing timeStamp or authToken",
    false,
    (rng, ctx) => {
      const signed = new URLSearchParams(signV1Query(ctx.key, v1Params(rng, ctx)));
      signed.delete(pick(rng, ["timeStamp", "authToken"]));
      return make(V1, "missing timeStamp or authToken", false, "GET", `/koogallery?${signed}`, junkHeaders(rng), null);
    },
  ],
  [
    2,
    "duplicate params",
    false,
    (rng, ctx) => {
      const q = signV1Query(ctx.key, v1Params(rng, ctx));
      // A second authToken or a second activity after the signed ones: first value wins, signature still must not match.
      const extra = pick(rng, [
        `authToken=${encodeURIComponent(Buffer.from(hex(rng)).toString("base64"))}`,
        "activity=releaseInstance",
        `instanceId=${fakeUuid(rng)}`,
      ]);
      return make(V1, "duplicate params", false, "GET", `/koogallery?${extra}&${q.replace(/authToken=[^&]*/, "authToken=x")}`, {}, null);
    },
  ],
  [
    2,
    "wrong method",
    false,
    (rng, ctx) =>
      make(
        V1,
        "wrong method",
        false,
        pick(
          rng,
          HOSTILE_METHODS.filter((m) => m !== "GET"),
        ),
        `/koogallery?${signV1Query(ctx.key, v1Params(rng, ctx))}`,
        junkHeaders(rng),
        chance(rng, 0.5) ? hostileBody(rng) : null,
      ),
  ],
  [
    2,
    "path games",
    false,
    (rng, ctx) =>
      make(V1, "path games", false, "GET", `${hostilePath(rng, "/koogallery")}?${queryOf({ ...v1Params(rng, ctx), authToken: "x" })}`, junkHeaders(rng), null),
  ],
  [
    2,
    "garbage query",
    false,
    (rng) => {
      const q = Array.from({ length: int(rng, 0, 30) }, () => `${junkText(rng, 10)}=${junkText(rng, 40)}`).join("&");
      return make(V1, "garbage query", false, "GET", `/koogallery?${chance(rng, 0.5) ? "authToken=&" : ""}${q.replace(/#/g, "%23")}`, junkHeaders(rng), null);
    },
  ],
  [
    1,
    "invalid percent-encoding",
    false,
    (rng, ctx) =>
      make(
        V1,
        "invalid percent-encoding",
        false,
        "GET",
        `/koogallery?${queryOf({ ...v1Params(rng, ctx), authToken: "x" })}&instanceId=${pick(rng, ["%", "%zz", "%C3%28", "%FF%FE", "%ED%A0%80"])}`,
        {},
        null,
      ),
  ],
  [
    1,
    "long URL",
    false,
    (rng, ctx) =>
      make(
        V1,
        "long URL",
        false,
        "GET",
        `/koogallery?${queryOf({ ...v1Params(rng, ctx), pad: "p".repeat(int(rng, 4000, 60_000)), authToken: "x" })}`,
        {},
        null,
      ),
  ],
  // With a valid authToken, still refused: unknown activity, missing or broken parameters, unknown instance.
  [
    3,
    "signed, unknown instance",
    true,
    (rng, ctx) => {
      const p = v1Params(rng, ctx, { known: false });
      if (p.activity === "newInstance") delete p.orderId; // a complete newInstance would provision
      return make(V1, "signed, unknown instance", true, "GET", `/koogallery?${signV1Query(ctx.key, p)}`, junkHeaders(rng), null);
    },
  ],
  [
    2,
    "signed, bad activity",
    true,
    (rng, ctx) => {
      const p = { ...v1Params(rng, ctx), activity: pick(rng, ["", "unknown", "NEWINSTANCE", "__proto__", "constructor", junkText(rng, 30)]) };
      return make(V1, "signed, bad activity", true, "GET", `/koogallery?${signV1Query(ctx.key, p)}`, {}, null);
    },
  ],
  [
    2,
    "signed, broken params",
    true,
    (rng, ctx) => {
      const p = v1Params(rng, ctx, { known: false });
      const field = pick(rng, ["instanceId", "orderId", "expireTime", "instanceStatus", "timeStamp", "customerId"]);
      p[field] = pick(rng, ["", "x".repeat(6600), "2030-01-01", "20301301000000", "FROZEN", junkText(rng, 30)]);
      if (p.activity === "newInstance") p.orderId = "";
      if (field === "instanceId" && p.activity === "queryInstance") p.instanceId = "";
      return make(V1, "signed, broken params", true, "GET", `/koogallery?${signV1Query(ctx.key, p)}`, {}, null);
    },
  ],
];

// ---------------------------------------------------------------------------------------------
// KooGallery V2: POST /koogallery?signature=…&timestamp=…&nonce=… with a JSON body

/** A real V2 body (a lifecycle activity on an existing or an unknown instance). @param {Rng} rng @param {FuzzContext} ctx */
function v2Body(rng, ctx, { known = true } = {}) {
  const instanceId = known ? ctx.v2InstanceId : fakeUuid(rng);
  const activity = pick(rng, ["refreshInstance", "updateInstanceStatus", "releaseInstance", "upgradeInstance", "queryInstance", "newInstance"]);
  const orderId = `CS${hex(rng, 10).toUpperCase()}`;
  /** @type {Record<string, unknown>} */
  const b = { activity, instanceId, orderId, orderLineId: `${orderId}-000001`, testFlag: "1" };
  if (activity === "refreshInstance") Object.assign(b, { scene: "RENEWAL", expireTime: "20300101000000" });
  if (activity === "updateInstanceStatus") b.status = pick(rng, ["FREEZE", "UNFREEZE"]);
  if (activity === "newInstance") b.businessId = fakeUuid(rng);
  return JSON.stringify(b);
}

const V2 = "koogallery-v2";

/** Whether `bytes` parse to the same JSON value as `text`, null members aside (what V2 verification accepts). @param {Buffer} bytes @param {string} text */
function sameJsonValue(bytes, text) {
  /** @param {unknown} v @returns {unknown} */
  const normal = (v) => {
    if (Array.isArray(v)) return v.map(normal);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, normal(x)]),
    );
  };
  try {
    return JSON.stringify(normal(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)))) === JSON.stringify(normal(JSON.parse(text)));
  } catch {
    return false;
  }
}
const JSON_TYPE = { "content-type": "application/json;charset=utf8" };
/** @param {string} query @param {string} [extra] */
const v2Path = (query, extra = "") => `/koogallery?${query}${extra}`;

/** @type {Array<[number, string, boolean, Mutator]>} */
const V2_MUTATORS = [
  [
    4,
    "tampered body",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      const { query } = signV2(ctx.key, body, { nonce: hex(rng, 64).toUpperCase() });
      const tamper = () => {
        const bytes = Buffer.from(body);
        const i = int(rng, 0, bytes.length - 1);
        return pick(rng, [
          () => {
            bytes[i] = (bytes[i] ?? 0) ^ (1 << int(rng, 0, 7));
            return bytes;
          },
          () => Buffer.concat([bytes, Buffer.from(pick(rng, ["x", "}", ",", "\u0000"]))]),
          () => bytes.subarray(0, i),
          () => Buffer.from(body.replace(ctx.v2InstanceId, fakeUuid(rng))),
        ])();
      };
      // A body that is the same JSON value as the signed one (only spacing changed) still verifies,
      // by design (docs/koogallery.md §2.2: the sample signs the re-serialized body); that would be a
      // validly signed call, so such a change is drawn again.
      let tampered = tamper();
      for (let i = 0; i < 5 && sameJsonValue(tampered, body); i++) tampered = tamper();
      if (sameJsonValue(tampered, body)) tampered = Buffer.concat([tampered, Buffer.from("x")]);
      return make(V2, "tampered body", false, "POST", v2Path(query), junkHeaders(rng, JSON_TYPE), tampered);
    },
  ],
  [
    3,
    "wrong key",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      return make(V2, "wrong key", false, "POST", v2Path(signV2(`${ctx.key}x`, body).query), JSON_TYPE, body);
    },
  ],
  [
    3,
    "bad signature",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      const { query, signature } = signV2(ctx.key, body);
      const bad = pick(rng, ["", "0".repeat(64), hex(rng, 64), signature.slice(1), `${signature}0`, junkText(rng, 80), "g".repeat(64)]);
      return make(
        V2,
        "bad signature",
        false,
        "POST",
        v2Path(query.replace(`signature=${signature}`, `signature=${encodeURIComponent(bad)}`)),
        junkHeaders(rng, JSON_TYPE),
        body,
      );
    },
  ],
  [
    3,
    "stale or future timestamp",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      const skew = (ctx.toleranceS + int(rng, 1, 10 * 86_400)) * 1000 * (chance(rng, 0.7) ? -1 : 1);
      const timestamp = pick(rng, [
        String(Date.now() + skew),
        String(Math.floor((Date.now() + skew) / 1000)),
        "0",
        "1",
        "99999999999999",
        "-1",
        "1e12",
        junkText(rng, 15),
      ]);
      return make(V2, "stale or future timestamp", false, "POST", v2Path(signV2(ctx.key, body, { timestamp }).query), JSON_TYPE, body);
    },
  ],
  [
    2,
    "missing or junk nonce, timestamp, signature",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      const q = new URLSearchParams(signV2(ctx.key, body).query);
      const name = pick(rng, ["signature", "timestamp", "nonce"]);
      if (chance(rng, 0.5)) q.delete(name);
      else q.set(name, pick(rng, ["", junkText(rng, 40), "n".repeat(int(rng, 129, 5000))]));
      if (name !== "signature") q.set("signature", hex(rng, 64)); // changing the signed inputs without re-signing
      return make(V2, "missing or junk nonce, timestamp, signature", false, "POST", v2Path(q.toString()), JSON_TYPE, body);
    },
  ],
  [
    2,
    "hostile body, bad signature",
    false,
    (rng, ctx) => make(V2, "hostile body, bad signature", false, "POST", v2Path(signV2(ctx.key, "{}").query), junkHeaders(rng, JSON_TYPE), hostileBody(rng)),
  ],
  [
    2,
    "wrong method",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      return make(
        V2,
        "wrong method",
        false,
        pick(
          rng,
          HOSTILE_METHODS.filter((m) => m !== "POST"),
        ),
        v2Path(signV2(ctx.key, body).query),
        junkHeaders(rng, JSON_TYPE),
        chance(rng, 0.5) ? body : null,
      );
    },
  ],
  [
    2,
    "path games",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      return make(
        V2,
        "path games",
        false,
        "POST",
        `${hostilePath(rng, "/koogallery")}?${signV2(`${ctx.key}x`, body).query}`,
        junkHeaders(rng, JSON_TYPE),
        body,
      );
    },
  ],
  [
    1,
    "both generations",
    false,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      return make(V2, "both generations", false, "POST", v2Path(signV2(ctx.key, body).query, `&authToken=${hex(rng)}`), JSON_TYPE, body);
    },
  ],
  // With a valid signature, still refused.
  [
    3,
    "replayed nonce",
    true,
    (rng, ctx) => make(V2, "replayed nonce", true, "POST", v2Path(ctx.v2Replay.query), junkHeaders(rng, JSON_TYPE), ctx.v2Replay.body),
  ],
  [
    2,
    "signed, hostile body",
    true,
    (rng, ctx) => {
      const body = hostileBody(rng);
      const text = body.toString("utf8");
      // Sign what the Worker will read; over the size limit it never gets to the signature.
      return make(V2, "signed, hostile body", true, "POST", v2Path(signV2(ctx.key, text).query), junkHeaders(rng, JSON_TYPE), body);
    },
  ],
  [
    2,
    "signed, wrong content type",
    true,
    (rng, ctx) => {
      const body = v2Body(rng, ctx);
      return make(
        V2,
        "signed, wrong content type",
        true,
        "POST",
        v2Path(signV2(ctx.key, body).query),
        {
          "content-type": pick(
            rng,
            CONTENT_TYPES.filter((t) => !/^application\/json\b/i.test(t)),
          ),
        },
        body,
      );
    },
  ],
  [
    2,
    "signed, bad activity or fields",
    true,
    (rng, ctx) => {
      const b = JSON.parse(v2Body(rng, ctx, { known: false }));
      const change = int(rng, 0, 3);
      if (change === 0) b.activity = pick(rng, ["", "unknown", "NEWINSTANCE", 42, null, ["newInstance"], { a: 1 }]);
      else if (change === 1) delete b.activity;
      else if (change === 2) b.instanceId = pick(rng, ["", 7, null, "x".repeat(6600), ["a"]]);
      else b.orderId = pick(rng, ["", 7, null, "x".repeat(200)]);
      if (b.activity === "newInstance") b.orderId = ""; // a complete newInstance would provision
      const body = JSON.stringify(b);
      return make(V2, "signed, bad activity or fields", true, "POST", v2Path(signV2(ctx.key, body).query), JSON_TYPE, body);
    },
  ],
  [
    2,
    "signed, unknown instance",
    true,
    (rng, ctx) => {
      const b = JSON.parse(v2Body(rng, ctx, { known: false }));
      if (b.activity === "newInstance") b.activity = "queryInstance";
      const body = JSON.stringify(b);
      return make(V2, "signed, unknown instance", true, "POST", v2Path(signV2(ctx.key, body).query), JSON_TYPE, body);
    },
  ],
];

// ---------------------------------------------------------------------------------------------
// ActivePlatform: POST /activeplatform/{secret}/{subscription|user}/{event}?ap_guid=&reseller_id=

const SUBSCRIPTION_EVENTS = ["create", "renew", "stop", "activate", "delete", "change", "resource_validation"];
const USER_EVENTS = ["create", "update", "activate", "deactivate", "delete"];
const AP_QUERY = "ap_guid=5a1d0c3e-7b2f-4e8a-9d6c-0f1e2d3c4b5a&reseller_id=1001";

/**
 * A complete, valid-looking body for the event (it would apply with the right secret).
 * @param {Rng} rng @param {FuzzContext} ctx @param {"subscription" | "user"} kind @param {string} event
 */
function apBody(rng, ctx, kind, event) {
  if (kind === "user") {
    if (event === "create") return { email: `fuzz-${hex(rng, 8)}@example.test`, first_name: "F", last_name: "Z", password: `Pw-${hex(rng, 12)}!` };
    return { id: ctx.apUserId, first_name: "F" };
  }
  const plan = {
    name: "P",
    sku: "SKU-M",
    period: { value: 1, type: "Month" },
    resources: [{ resource: fakeUuid(rng), key: "users", quantity: int(rng, 1, 50) }],
  };
  const subscription = { id: String(int(rng, 1_000_000, 9_999_999)), attributes: {} };
  if (event === "create") return { plan, subscription, reseller: { id: 1001 }, tenant: { id: 1 } };
  return { external_id: ctx.apExternalId, plan, subscription };
}

/**
 * A body the gateway must refuse even with the right secret: a required field missing or of the
 * wrong type, or an id that names nothing.
 * @param {Rng} rng @param {FuzzContext} ctx @param {"subscription" | "user"} kind @param {string} event
 */
function apRefusedBody(rng, ctx, kind, event) {
  const body = /** @type {Record<string, any>} */ (apBody(rng, ctx, kind, event));
  const idField = kind === "user" ? "id" : "external_id";
  if (event === "create") {
    if (kind === "user") body.email = pick(rng, ["", "no-at-sign", 42, null, "a@b c", "x".repeat(300)]);
    else if (chance(rng, 0.5)) delete body[pick(rng, ["plan", "subscription"])];
    else body.subscription = pick(rng, [{ id: -1 }, { id: {} }, { id: "" }, "sub", []]);
  } else if (chance(rng, 0.6)) {
    body[idField] = kind === "user" ? `u-${fakeUuid(rng)}` : fakeUuid(rng); // well-formed, unknown
  } else if (chance(rng, 0.5)) {
    delete body[idField];
  } else {
    body[idField] = pick(rng, ["", null, {}, [], -5, 1.5, "x".repeat(300)]);
  }
  return body;
}

/**
 * @param {"subscription" | "user"} kind
 * @returns {Array<[number, string, boolean, Mutator]>}
 */
function apMutators(kind) {
  const family = `activeplatform-${kind}`;
  const events = kind === "user" ? USER_EVENTS : SUBSCRIPTION_EVENTS;
  /** @param {FuzzContext} ctx @param {string} event */
  const path = (ctx, event, secret = ctx.pathSecret) => `/activeplatform/${secret}/${kind}/${event}`;
  /** @param {Rng} rng @param {FuzzContext} ctx */
  const wrongSecret = (rng, ctx) =>
    pick(rng, [
      "",
      ctx.pathSecret.slice(0, -1),
      `${ctx.pathSecret}x`,
      ctx.pathSecret.toUpperCase(),
      `${ctx.pathSecret.slice(0, 10)}%${ctx.pathSecret.slice(10)}`,
      encodeURIComponent(ctx.pathSecret).replace(/-/g, "%2D"),
      junkText(rng, 60).replace(/[/?#]/g, ""),
      "..",
      `${ctx.pathSecret}%2F..`,
    ]);
  /** @type {Array<[number, string, boolean, Mutator]>} */
  const list = [
    [
      5,
      "wrong secret, valid body",
      false,
      (rng, ctx) => {
        const event = pick(rng, events);
        return make(
          family,
          "wrong secret, valid body",
          false,
          "POST",
          `${path(ctx, event, wrongSecret(rng, ctx))}?${AP_QUERY}`,
          { "content-type": "application/json" },
          JSON.stringify(apBody(rng, ctx, kind, event)),
        );
      },
    ],
    [
      3,
      "wrong secret, hostile request",
      false,
      (rng, ctx) =>
        make(
          family,
          "wrong secret, hostile request",
          false,
          pick(rng, HOSTILE_METHODS),
          `${hostilePath(rng, path(ctx, pick(rng, events), wrongSecret(rng, ctx)))}?${AP_QUERY}`,
          junkHeaders(rng),
          chance(rng, 0.7) ? hostileBody(rng) : null,
        ),
    ],
    [
      2,
      "no secret",
      false,
      (rng, ctx) =>
        make(
          family,
          "no secret",
          false,
          "POST",
          pick(rng, [`/activeplatform/${kind}/${pick(rng, events)}`, "/activeplatform/", "/activeplatform", `/activeplatform//${kind}/create`]),
          { "content-type": "application/json" },
          JSON.stringify(apBody(rng, ctx, kind, "create")),
        ),
    ],
    // The right secret: everything below must still be refused with a 4xx task error (or the documented 501).
    [
      3,
      "wrong method",
      true,
      (rng, ctx) =>
        make(
          family,
          "wrong method",
          true,
          pick(
            rng,
            HOSTILE_METHODS.filter((m) => m !== "POST"),
          ),
          `${path(ctx, pick(rng, events))}?${AP_QUERY}`,
          junkHeaders(rng),
          chance(rng, 0.5) ? JSON.stringify(apBody(rng, ctx, kind, "create")) : null,
        ),
    ],
    [
      4,
      "hostile body",
      true,
      (rng, ctx) =>
        make(
          family,
          "hostile body",
          true,
          "POST",
          `${path(ctx, pick(rng, events))}?${AP_QUERY}`,
          junkHeaders(rng, { "content-type": "application/json" }),
          hostileBody(rng),
        ),
    ],
    [
      4,
      "refused fields",
      true,
      (rng, ctx) => {
        const event = pick(rng, events);
        return make(
          family,
          "refused fields",
          true,
          "POST",
          `${path(ctx, event)}?${AP_QUERY}`,
          junkHeaders(rng, { "content-type": "application/json" }),
          JSON.stringify(apRefusedBody(rng, ctx, kind, event)),
        );
      },
    ],
    [
      2,
      "unknown event",
      true,
      (rng, ctx) => {
        const event = pick(rng, ["consumption", "suspend", "CREATE", "create/x", "../user/create", "", junkText(rng, 20).replace(/[?#]/g, "")]);
        return make(
          family,
          "unknown event",
          true,
          "POST",
          `${path(ctx, event)}?${AP_QUERY}`,
          { "content-type": "application/json" },
          JSON.stringify(apRefusedBody(rng, ctx, kind, pick(rng, events))),
        );
      },
    ],
    [
      1,
      "long query",
      true,
      (rng, ctx) =>
        make(
          family,
          "long query",
          true,
          "POST",
          `${path(ctx, pick(rng, events))}?ap_guid=${"g".repeat(int(rng, 129, 20_000))}&reseller_id=${junkText(rng, 200).replace(/[#&]/g, "")}`,
          { "content-type": "application/json" },
          JSON.stringify(apRefusedBody(rng, ctx, kind, "create")),
        ),
    ],
  ];
  return list;
}

// ---------------------------------------------------------------------------------------------
// Admin API: /admin/* with a bearer token

const ADMIN = "admin";
/** @param {FuzzContext} ctx */
const adminPaths = (ctx) => [
  "/admin/openapi.json",
  "/admin/dead-letters",
  "/admin/dead-letters/replay",
  `/admin/instances/koogallery:${ctx.v1InstanceId}`,
  `/admin/instances/koogallery%3A${ctx.v2InstanceId}/refs`,
  `/admin/instances/activeplatform:${ctx.apExternalId}/replay`,
  `/admin/deliveries/dlv_${"0".repeat(32)}/replay`,
];

/** @type {Array<[number, string, boolean, Mutator]>} */
const ADMIN_MUTATORS = [
  [
    6,
    "bad token",
    false,
    (rng, ctx) => {
      const auth = pick(rng, [
        null,
        "",
        "Bearer",
        "Bearer ",
        `Bearer ${ctx.adminToken}x`,
        `Bearer ${ctx.adminToken.slice(0, -1)}`,
        `Basic ${Buffer.from(`admin:${ctx.adminToken}`).toString("base64")}`,
        `Bearer ${ctx.adminToken.toUpperCase()}`,
        `Bearer  ${ctx.adminToken} x`,
        `Token ${ctx.adminToken}`,
        ctx.adminToken,
        `Bearer ${junkText(rng, 80).replace(/\s/g, "")}`,
        `Bearer ${"t".repeat(int(rng, 1000, 8000))}`,
      ]);
      /** @type {Record<string, string>} */
      const headers = junkHeaders(rng, chance(rng, 0.5) ? { "content-type": "application/json" } : {});
      if (auth !== null) headers.authorization = auth;
      const method = pick(rng, ["GET", "GET", "PUT", "POST", ...HOSTILE_METHODS]);
      const body = method === "GET" || method === "HEAD" ? null : chance(rng, 0.5) ? JSON.stringify({ refs: { vendor: "v" }, limit: 100 }) : hostileBody(rng);
      return make(ADMIN, "bad token", false, method, pick(rng, adminPaths(ctx)), headers, body);
    },
  ],
  [
    2,
    "bad token, path games",
    false,
    (rng, ctx) =>
      make(ADMIN, "bad token, path games", false, "GET", hostilePath(rng, pick(rng, adminPaths(ctx))), { authorization: `Bearer ${ctx.adminToken}0` }, null),
  ],
  [
    1,
    "no token, unknown route",
    false,
    (rng) => make(ADMIN, "no token, unknown route", false, pick(rng, HOSTILE_METHODS), `/admin/${junkText(rng, 40).replace(/[?#]/g, "")}`, {}, null),
  ],
  // The right token: requests that must be refused (unknown or malformed ids, bad queries, bad bodies, wrong methods).
  [
    3,
    "token, junk instance key",
    true,
    (rng, ctx) => {
      const key = pick(rng, [
        `koogallery:${fakeUuid(rng)}`,
        `activeplatform:${fakeUuid(rng)}`,
        `activeplatform-user:${fakeUuid(rng)}`,
        "koogallery:",
        ":",
        "nokey",
        `koogallery:${"k".repeat(300)}`,
        // never empty: `/admin/instances/` is the search route, rightly answered 200
        encodeURIComponent(junkText(rng, 40)) || "%20",
        "%",
        "%E0%A4%A",
        "..%2F..%2Fetc",
        `koogallery:${fakeUuid(rng)}%00`,
      ]);
      return make(
        ADMIN,
        "token, junk instance key",
        true,
        "GET",
        `/admin/instances/${key}${pick(rng, ["", "?limit=0", "?limit=-1", "?limit=abc", "?limit=1000000", `?${junkText(rng, 30).replace(/#/g, "")}`])}`,
        { authorization: `Bearer ${ctx.adminToken}` },
        null,
      );
    },
  ],
  [
    2,
    "token, bad query",
    true,
    (rng, ctx) => {
      const query = pick(rng, [
        "limit=0",
        "limit=-1",
        "limit=abc",
        "limit=1e9",
        "limit=",
        "cursor=%ZZ&limit=0",
        `cursor=${junkText(rng, 30)}&limit=x`,
        "limit=1&limit=x",
      ]);
      return make(
        ADMIN,
        "token, bad query",
        true,
        "GET",
        `/admin/dead-letters?${query.replace(/#/g, "%23")}`,
        { authorization: `Bearer ${ctx.adminToken}` },
        null,
      );
    },
  ],
  [
    2,
    "token, bad body",
    true,
    (rng, ctx) => {
      const target = pick(rng, [
        `/admin/instances/koogallery:${fakeUuid(rng)}/refs`,
        "/admin/dead-letters/replay",
        `/admin/instances/activeplatform:${fakeUuid(rng)}/replay`,
      ]);
      // Strict schemas: each of these objects misses a required member or has one of the wrong type.
      const body = chance(rng, 0.6)
        ? hostileBody(rng)
        : JSON.stringify(pick(rng, [{ refs: "x" }, { refs: { a: 1 } }, [], { limit: -1 }, { since: "yesterday" }, { refs: null }, { limit: "all" }]));
      return make(
        ADMIN,
        "token, bad body",
        true,
        target.endsWith("/refs") ? "PUT" : "POST",
        target,
        junkHeaders(rng, { authorization: `Bearer ${ctx.adminToken}`, "content-type": "application/json" }),
        body,
      );
    },
  ],
  [
    2,
    "token, unknown delivery or instance",
    true,
    (rng, ctx) => {
      const target = pick(rng, [
        `/admin/deliveries/dlv_${hex(rng)}/replay`,
        `/admin/deliveries/${encodeURIComponent(junkText(rng, 30))}/replay`,
        `/admin/instances/koogallery:${fakeUuid(rng)}/refs`,
      ]);
      const body = target.endsWith("/refs") ? JSON.stringify({ refs: { vendor: hex(rng, 8) } }) : "";
      return make(
        ADMIN,
        "token, unknown delivery or instance",
        true,
        target.endsWith("/refs") ? "PUT" : "POST",
        target,
        { authorization: `Bearer ${ctx.adminToken}`, "content-type": "application/json" },
        body,
      );
    },
  ],
  [
    2,
    "token, wrong method or route",
    true,
    (rng, ctx) => {
      const route = pick(rng, [...adminPaths(ctx), "/admin/", "/admin/instances", "/admin/instances/", `/admin/${junkText(rng, 20).replace(/[?#]/g, "")}`]);
      const method = pick(rng, ["DELETE", "PATCH", "PROPFIND", "PURGE", ...(route.endsWith("/replay") || route.endsWith("/refs") ? ["GET"] : ["PUT", "POST"])]);
      return make(
        ADMIN,
        "token, wrong method or route",
        true,
        method,
        route,
        { authorization: `Bearer ${ctx.adminToken}` },
        method === "GET" ? null : hostileBody(rng),
      );
    },
  ],
];

const MUTATORS = {
  "koogallery-v1": V1_MUTATORS,
  "koogallery-v2": V2_MUTATORS,
  "activeplatform-subscription": apMutators("subscription"),
  "activeplatform-user": apMutators("user"),
  admin: ADMIN_MUTATORS,
};

/**
 * One case of `family`, drawn with `rng`.
 * @param {string} family @param {Rng} rng @param {FuzzContext} ctx
 * @returns {FuzzCase}
 */
export function generateCase(family, rng, ctx) {
  const mutators = /** @type {Record<string, Array<[number, string, boolean, Mutator]>>} */ (MUTATORS)[family];
  if (!mutators) throw new Error(`unknown family ${family}; one of ${FAMILIES.join(", ")}`);
  const total = mutators.reduce((sum, [w]) => sum + w, 0);
  let r = rng() * total;
  for (const [weight, , , build] of mutators) {
    r -= weight;
    if (r < 0) return build(rng, ctx);
  }
  const last = /** @type {[number, string, boolean, Mutator]} */ (mutators.at(-1));
  return last[3](rng, ctx);
}

/** The kinds of a family, for the summary. @param {string} family */
export const kindsOf = (family) => {
  /** @type {Record<string, Array<[number, string, boolean, Mutator]>>} */
  const byFamily = MUTATORS;
  return (byFamily[family] ?? []).map(([, kind, creds]) => ({ kind, creds }));
};
