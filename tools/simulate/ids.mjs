/**
 * @module tools/simulate/ids
 * Fresh identifiers and KooGallery time formats for simulated calls. Uses only Web Crypto
 * (`globalThis.crypto`), so it loads unchanged in Node ≥ 20 and in workerd.
 */

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** @returns {string} */
export const uuid = () => globalThis.crypto.randomUUID();

/**
 * `n` random characters from `alphabet`.
 * @param {number} n @param {string} [alphabet]
 * @returns {string}
 */
export function randomChars(n, alphabet = UPPER_ALNUM) {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(n));
  // Modulo bias does not matter for test identifiers.
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** @param {number} n @returns {string} lowercase hex */
export const randomHex = (n) => randomChars(n, "0123456789abcdef");

/** @param {number} n @returns {string} decimal digits, first one non-zero */
/**
 * A KooGallery-shaped order id: `CS` + yyMMddHHmm + 5 random characters (e.g. `CS2501011200ABCDE`).
 * A different prefix marks renewal (`RN`) or upgrade (`UP`) orders so they read well in logs.
 * @param {string} [prefix] @param {Date} [now]
 * @returns {string}
 */
export function orderId(prefix = "CS", now = new Date()) {
  return `${prefix}${utcDigits(now).slice(2, 12)}${randomChars(5)}`;
}

/**
 * `yyyyMMddHHmmss` in UTC, the KooGallery `expireTime` format.
 * @param {Date} date
 * @returns {string}
 */
export const expireTime = (date) => utcDigits(date).slice(0, 14);

/**
 * The same instant `months` calendar months later (UTC), clamped to the month's last day.
 * @param {Date} date @param {number} months
 * @returns {Date}
 */
export function addMonths(date, months) {
  const d = new Date(date.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

/** @param {Date} date @returns {string} yyyyMMddHHmmssSSS */
const utcDigits = (date) => date.toISOString().replace(/[-:T.Z]/g, "");
