/**
 * @module tools/mocks/util
 * Small crypto and formatting helpers for the mock partners. node:crypto only (also in workerd with
 * nodejs_compat); deliberately not shared with src/ so that the mocks stay an independent check of
 * what the gateway sends.
 */
import { Buffer } from "node:buffer";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** @param {string|Uint8Array} data @returns {Buffer} */
const sha256 = (data) => createHash("sha256").update(data).digest();

/** @param {string|Uint8Array} data @returns {string} lower-case hex */
export const sha256Hex = (data) => createHash("sha256").update(data).digest("hex");

/** @param {string|Uint8Array} data @returns {string} lower-case hex */
export const sha1Hex = (data) => createHash("sha1").update(data).digest("hex");

/** @param {string|Uint8Array} key @param {string|Uint8Array} msg @returns {Buffer} */
export const hmacSha256 = (key, msg) => createHmac("sha256", key).update(msg).digest();

/** @param {number} n @returns {string} */
/**
 * Constant-time equality for secrets of any length: both sides are hashed first so that a length
 * mismatch does not return early.
 * @param {string|Uint8Array} a
 * @param {string|Uint8Array} b
 * @returns {boolean}
 */
export function safeEqual(a, b) {
  const same = timingSafeEqual(sha256(a), sha256(b));
  return same && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * A stable decimal string of `length` digits (first digit from `lead`) derived from `seed`, so the
 * same instance key always maps to the same partner ids across runs.
 * @param {string} seed
 * @param {string} lead
 * @param {number} length
 * @returns {string}
 */
export function digitsFrom(seed, lead, length) {
  const n = BigInt(`0x${sha256Hex(seed)}`) % 10n ** BigInt(length - lead.length);
  return lead + n.toString().padStart(length - lead.length, "0");
}
