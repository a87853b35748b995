/**
 * @module tools/mocks/faults
 * Failure injection shared by the three mock partners: refuse for a while (after start, or from
 * any moment on through the control switch), always answer one status, fail a random share of
 * requests (optionally with `Retry-After`), answer every request late, or answer a random share so
 * late that the caller's client timeout fires first. Refusals happen before the partner logic runs,
 * so a refused request leaves no trace in the mock's state (like a partner that never received it).
 * A slow answer is the opposite: the partner does the work and only the answer is late, so the
 * caller cannot know whether it was done, which is what delivery ids are for.
 */

/**
 * @typedef {object} Faults
 * @property {number} failRate   share of requests (0..1) refused with `failStatus`
 * @property {number} failStatus status of those refusals (default 503; 429 makes sense with `retryAfterS`)
 * @property {number|undefined} retryAfterS when set, every refusal carries `Retry-After: <n>`
 * @property {number} latencyMs  delay before every answer
 * @property {number} slowRate   share of requests (0..1) processed, then answered after `slowMs`
 * @property {number} slowMs     how late those answers come (set it past the caller's client timeout)
 * @property {number|undefined} status  when set, every request gets this status
 * @property {number} downForS   seconds after start during which every request gets 503
 * @property {number} downUntilMs epoch ms until which every request gets 503 (set through the control switch)
 */

/** @type {Readonly<Faults>} */
const NO_FAULTS = Object.freeze({
  failRate: 0,
  failStatus: 503,
  retryAfterS: undefined,
  latencyMs: 0,
  slowRate: 0,
  slowMs: 0,
  status: undefined,
  downForS: 0,
  downUntilMs: 0,
});

/**
 * Per-server settings win over global ones; `undefined` means "not set here".
 * @param {Partial<Faults>|undefined} global
 * @param {Partial<Faults>|undefined} own
 * @returns {Faults}
 */
export function mergeFaults(global, own) {
  /** @type {Record<string, unknown>} */
  const out = { ...NO_FAULTS };
  for (const src of [global ?? {}, own ?? {}]) {
    for (const [name, value] of Object.entries(src)) {
      if (value !== undefined && name in NO_FAULTS) out[name] = value;
    }
  }
  return validateFaults(/** @type {Faults} */ (out));
}

/**
 * @param {Faults} f
 * @returns {Faults}
 */
function validateFaults(f) {
  /** @param {string} what @returns {never} */
  const bad = (what) => {
    throw new RangeError(`fault option ${what}`);
  };
  /** @param {unknown} v */
  const share = (v) => typeof v === "number" && v >= 0 && v <= 1;
  /** @param {unknown} v */
  const nonNegative = (v) => typeof v === "number" && v >= 0;
  /** @param {unknown} v */
  const httpStatus = (v) => typeof v === "number" && Number.isInteger(v) && v >= 100 && v <= 599;
  if (!share(f.failRate)) bad("failRate must be between 0 and 1");
  if (!share(f.slowRate)) bad("slowRate must be between 0 and 1");
  if (!nonNegative(f.latencyMs)) bad("latencyMs must be a number >= 0");
  if (!nonNegative(f.slowMs)) bad("slowMs must be a number >= 0");
  if (!nonNegative(f.downForS)) bad("downForS must be a number >= 0");
  if (!nonNegative(f.downUntilMs)) bad("downUntilMs must be a number >= 0");
  if (!httpStatus(f.failStatus)) bad("failStatus must be an HTTP status code (100-599)");
  if (f.status !== undefined && !httpStatus(f.status)) bad("status must be an HTTP status code (100-599)");
  if (f.retryAfterS !== undefined && !(Number.isInteger(f.retryAfterS) && f.retryAfterS >= 0)) bad("retryAfterS must be an integer >= 0");
  return f;
}

/**
 * A change made while the server runs (the control switch). `downForS` then counts from now and
 * becomes `downUntilMs`; `null` unsets `status` or `retryAfterS`. Returns the new complete settings.
 * @param {Faults} current
 * @param {Record<string, unknown>} patch
 * @param {number} nowMs
 * @returns {Faults}
 */
export function patchFaults(current, patch, nowMs) {
  /** @type {Record<string, unknown>} */
  const next = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (!(name in NO_FAULTS)) throw new RangeError(`unknown fault option ${JSON.stringify(name).slice(0, 40)}`);
    if (name === "downForS") {
      next.downUntilMs = typeof value === "number" && value > 0 ? nowMs + value * 1000 : 0;
      continue;
    }
    next[name] = value === null ? undefined : value;
  }
  return validateFaults(/** @type {Faults} */ (next));
}

/**
 * Which refusal, if any, hits this request.
 * @param {Faults} f
 * @param {{elapsedMs: number, nowMs?: number, random: () => number}} ctx
 * @returns {{status: number, reason: string, retryAfterS?: number}|undefined}
 */
export function pickFault(f, { elapsedMs, nowMs = 0, random }) {
  /** @param {{status: number, reason: string}} fault @returns {{status: number, reason: string, retryAfterS?: number}} */
  const withRetryAfter = (fault) => (f.retryAfterS === undefined ? fault : { ...fault, retryAfterS: f.retryAfterS });
  if (elapsedMs < f.downForS * 1000) return withRetryAfter({ status: 503, reason: `down for the first ${f.downForS}s` });
  if (nowMs < f.downUntilMs) return withRetryAfter({ status: 503, reason: "down (switched off)" });
  if (f.status !== undefined) return { status: f.status, reason: `forced status ${f.status}` };
  if (f.failRate > 0 && random() < f.failRate) return withRetryAfter({ status: f.failStatus, reason: `random failure (rate ${f.failRate})` });
  return undefined;
}

/**
 * Whether this (accepted) request is answered late, past the caller's patience.
 * @param {Faults} f
 * @param {() => number} random
 */
export function isSlow(f, random) {
  return f.slowRate > 0 && f.slowMs > 0 && random() < f.slowRate;
}
