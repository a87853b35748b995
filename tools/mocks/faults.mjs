/**
 * @module tools/mocks/faults
 * Failure injection shared by the three mock partners: refuse for a while after start, always
 * answer one status, fail a random share of requests, or answer slowly. Injected faults happen
 * before the partner logic runs, so a failed request leaves no trace in the mock's state (like a
 * partner that never received it), which is what retry and dead-letter paths must cope with.
 */

/**
 * @typedef {object} Faults
 * @property {number} failRate   share of requests (0..1) answered 503
 * @property {number} latencyMs  delay before every answer
 * @property {number|undefined} status  when set, every request gets this status
 * @property {number} downForS   seconds after start during which every request gets 503
 */

/** @type {Readonly<Faults>} */
export const NO_FAULTS = Object.freeze({ failRate: 0, latencyMs: 0, status: undefined, downForS: 0 });

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
export function validateFaults(f) {
  const bad = (what) => {
    throw new RangeError(`fault option ${what}`);
  };
  if (typeof f.failRate !== "number" || !(f.failRate >= 0 && f.failRate <= 1)) bad("failRate must be between 0 and 1");
  if (typeof f.latencyMs !== "number" || !(f.latencyMs >= 0)) bad("latencyMs must be a number >= 0");
  if (typeof f.downForS !== "number" || !(f.downForS >= 0)) bad("downForS must be a number >= 0");
  if (f.status !== undefined && !(Number.isInteger(f.status) && f.status >= 100 && f.status <= 599)) {
    bad("status must be an HTTP status code (100-599)");
  }
  return f;
}

/**
 * Which fault, if any, hits this request.
 * @param {Faults} f
 * @param {{elapsedMs: number, random: () => number}} ctx
 * @returns {{status: number, reason: string}|undefined}
 */
export function pickFault(f, { elapsedMs, random }) {
  if (elapsedMs < f.downForS * 1000) return { status: 503, reason: `down for the first ${f.downForS}s` };
  if (f.status !== undefined) return { status: f.status, reason: `forced status ${f.status}` };
  if (f.failRate > 0 && random() < f.failRate) return { status: 503, reason: `random failure (rate ${f.failRate})` };
  return undefined;
}
