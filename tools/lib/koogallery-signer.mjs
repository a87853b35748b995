/**
 * @module tools/lib/koogallery-signer
 * Plays the KooGallery side of the protocol (docs/koogallery.md §2): signs V1/V2 requests, checks
 * `Body-Sign` headers, encrypts/decrypts credentials. Written against node:crypto only and sharing
 * no code with src/, so tests, the simulator and the benchmark check the Worker against a second,
 * independent implementation. Runs in Node ≥ 20 and in workerd with nodejs_compat.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The fake seller key of the protocol notes' test vectors; also the local development key in .dev.vars.example. */
export const SPEC_TEST_KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** @param {string|Buffer} key @param {string} msg @returns {Buffer} */
const hmac = (key, msg) => createHmac("sha256", key).update(msg, "utf8").digest();

/** @param {Uint8Array} data @returns {Buffer} */
const sha1 = (data) => createHash("sha1").update(data).digest();

/** Java String.compareTo order: compare UTF-16 code units. @param {string} a @param {string} b */
const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `yyyyMMddHHmmssSSS` in UTC, the V1 `timeStamp` format.
 * @param {Date} [date]
 * @returns {string}
 */
export function v1TimeStamp(date = new Date()) {
  // toISOString is always UTC: 2025-01-01T04:00:00.123Z -> 20250101040000123
  return date.toISOString().replace(/[-:T.Z]/g, "");
}

/**
 * Signs a V1 GET query. Returns the full query string (no leading `?`), every value
 * percent-encoded, with `authToken` appended last.
 * @param {string} accessKey
 * @param {Record<string, string>} params must include `timeStamp`
 * @returns {string}
 */
export function signV1Query(accessKey, params) {
  const timeStamp = params.timeStamp;
  if (typeof timeStamp !== "string") throw new Error("params.timeStamp is required");
  const names = Object.keys(params)
    .filter((n) => n !== "authToken")
    .sort(byCodeUnit);
  const toSign = names.map((n) => `${n}=${params[n]}`).join("&");
  const authToken = hmac(accessKey + timeStamp, toSign).toString("base64");
  const pairs = Object.entries(params).filter(([n]) => n !== "authToken");
  pairs.push(["authToken", authToken]);
  return pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&");
}

/**
 * Signs a V2 POST body. Generates a 64-char uppercase hex nonce and a ms timestamp when absent.
 * @param {string} accessKey
 * @param {string} body exact request body
 * @param {{ nonce?: string, timestamp?: string }} [opts]
 * @returns {{ query: string, signature: string, nonce: string, timestamp: string }}
 */
export function signV2(accessKey, body, { nonce, timestamp } = {}) {
  const n = nonce ?? randomBytes(32).toString("hex").toUpperCase();
  const ts = timestamp ?? String(Date.now());
  const inner = hmac(accessKey, body).toString("hex");
  const signature = hmac(accessKey, `${accessKey}${n}${ts}${inner}`).toString("hex");
  const query = `signature=${signature}&timestamp=${encodeURIComponent(ts)}&nonce=${encodeURIComponent(n)}`;
  return { query, signature, nonce: n, timestamp: ts };
}

/**
 * base64 HMAC-SHA256(accessKey, body), the value inside `Body-Sign`.
 * @param {string} accessKey @param {string} body @returns {string}
 */
export function bodySignature(accessKey, body) {
  return hmac(accessKey, body).toString("base64");
}

/**
 * Checks a `Body-Sign` header the way KooGallery's parser appears to: whitespace around `=`
 * and `,` tolerated, both values double-quoted, sign_type must be HMAC-SHA256.
 * @param {string} accessKey
 * @param {string} body exact response body
 * @param {string | null | undefined} headerValue
 * @returns {boolean}
 */
export function verifyBodySign(accessKey, body, headerValue) {
  if (typeof headerValue !== "string") return false;
  const type = /(?:^|,)\s*sign_type\s*=\s*"([^"]*)"/.exec(headerValue);
  const sig = /(?:^|,)\s*signature\s*=\s*"([^"]*)"/.exec(headerValue);
  if (!type || !sig || type[1] !== "HMAC-SHA256" || sig[1] === "") return false;
  const expected = Buffer.from(bodySignature(accessKey, body));
  const received = Buffer.from(sig[1]);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * Sun SHA1PRNG after one setSeed() on a fresh instance: state = SHA1(seed); each block outputs
 * SHA1(state), then state += output + 1 with Java signed-byte carries.
 * @param {Uint8Array} seed @param {number} length @returns {Buffer}
 */
export function sha1prng(seed, length) {
  const state = sha1(seed);
  const blocks = [];
  for (let produced = 0; produced < length; produced += 20) {
    const out = sha1(state);
    blocks.push(out);
    let last = 1;
    let differs = false;
    for (let i = 0; i < 20; i++) {
      const v = state.readInt8(i) + out.readInt8(i) + last;
      const t = ((v % 256) + 256) % 256;
      if (t !== state[i]) differs = true;
      state[i] = t;
      last = Math.floor(v / 256); // == Java's v >> 8 for negative v too
    }
    if (!differs) state[0] = (state[0] + 1) % 256;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * AES key bytes as Java's KeyGenerator derives them from a SHA1PRNG seeded with the key.
 * @param {string} accessKey @param {128|256} bits @returns {Buffer}
 */
export function aesKeyBytes(accessKey, bits) {
  return sha1prng(Buffer.from(accessKey, "utf8"), bits / 8);
}

/**
 * `iv16 + base64(AES-CBC-PKCS5(utf8(plaintext)))`.
 * @param {string} accessKey
 * @param {string} plaintext
 * @param {{ bits?: 128|256, iv?: string }} [opts]
 * @returns {string}
 */
export function encryptCredential(accessKey, plaintext, { bits = 256, iv } = {}) {
  // The slight modulo bias is irrelevant for a test tool; the IV is sent in clear anyway.
  const ivText = iv ?? Array.from(randomBytes(16), (b) => ALNUM[b % ALNUM.length]).join("");
  const ivBytes = Buffer.from(ivText, "utf8");
  if (ivBytes.length !== 16) throw new Error("iv must be 16 ASCII characters");
  const cipher = createCipheriv(`aes-${bits}-cbc`, aesKeyBytes(accessKey, bits), ivBytes);
  return ivText + Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]).toString("base64");
}

/**
 * Reverses encryptCredential, trying AES-256 then AES-128. Null when neither yields valid
 * padding and UTF-8.
 * @param {string} accessKey @param {string} wire @returns {string | null}
 */
export function decryptCredential(accessKey, wire) {
  const text = wire.split(" ").join("+");
  if (text.length <= 16) return null;
  const ivBytes = Buffer.from(text.slice(0, 16), "utf8");
  const b64 = text.slice(16);
  if (ivBytes.length !== 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const data = Buffer.from(b64, "base64");
  if (data.length === 0 || data.length % 16 !== 0) return null;
  for (const bits of /** @type {const} */ ([256, 128])) {
    try {
      const d = createDecipheriv(`aes-${bits}-cbc`, aesKeyBytes(accessKey, bits), ivBytes);
      const plain = Buffer.concat([d.update(data), d.final()]);
      return new TextDecoder("utf-8", { fatal: true }).decode(plain);
    } catch {
      // bad padding or not UTF-8: next key size
    }
  }
  return null;
}
