/**
 * @module tools/chaos/presets
 * The two sizes of a chaos run. `small` fits in `npm test` (about 2-3 minutes on 2 cores) and is
 * what test/node/chaos.test.ts runs; `large` is the run for the reliability report.
 *
 * RETRY_DELAY_SCALE compresses the gateway's delivery waits (retry schedule, lease, refs wait) so
 * that the faults of a few minutes meet the whole retry machinery; the attempt budget (15) is not
 * scaled. Outages are sized against the scaled schedule: a partner stays down for a fraction of
 * the scaled retry horizon (272 555 s × scale), as a few hours' outage is in production.
 */

/**
 * @typedef {object} Preset
 * @property {string} name
 * @property {number} instances
 * @property {number} spreadMs        instance starts spread over this span
 * @property {[number, number]} steps steps after provisioning
 * @property {[number, number]} thinkMs between two steps of one instance
 * @property {number} lateRate
 * @property {number} scale           RETRY_DELAY_SCALE
 * @property {number} failRate
 * @property {number} slowMs
 * @property {Array<{partner: "vendor"|"koodrive"|"mor"|"all", atMs: number, forMs: number, rate: number}>} slowWindows
 * @property {Array<{partner: "vendor"|"koodrive"|"mor", atMs: number, forS: number}>} outages
 * @property {number[]} restartsAtMs
 * @property {number} restartDownMs
 * @property {number} liftAtMs        all faults off (the workload itself usually ends before)
 * @property {number} stepDeadlineMs  how long a marketplace keeps retrying one step
 * @property {number} drainTimeoutMs  how long to wait, faults lifted, for every delivery to settle
 * @property {{edits: number, fromMs: number, toMs: number, sweepsAtMs: number[], afterDrain: number}} drift
 *   MOR subscriptions edited behind the gateway's back at seeded times in [fromMs, toMs], and
 *   reconciliation sweeps while faults are on; `afterDrain` more edits once the deliveries are
 *   drained, before the final sweeps (drift.mjs)
 */

/** Past the gateway's 15 s client timeout (src/connectors/http.ts ATTEMPT_TIMEOUT_MS). */
const SLOW_MS = 16_000;

/** @type {Readonly<Record<"small"|"large", Preset>>} */
export const PRESETS = Object.freeze({
  small: {
    name: "small",
    instances: 24,
    spreadMs: 10_000,
    steps: [2, 5],
    thinkMs: [1_100, 2_500],
    lateRate: 0.35,
    scale: 0.001,
    failRate: 0.6,
    slowMs: SLOW_MS,
    // wrangler dev loses queued messages on SIGKILL: they come back when their lease (60 s at
    // this scale) runs out, so the second half of the faults is placed on that recovery.
    slowWindows: [
      { partner: "vendor", atMs: 62_000, forMs: 14_000, rate: 0.15 },
      { partner: "mor", atMs: 62_000, forMs: 14_000, rate: 0.15 },
    ],
    outages: [
      { partner: "vendor", atMs: 4_000, forS: 6 },
      { partner: "mor", atMs: 70_000, forS: 12 },
    ],
    restartsAtMs: [8_000, 26_000],
    restartDownMs: 1_500,
    liftAtMs: 95_000,
    stepDeadlineMs: 120_000,
    drainTimeoutMs: 150_000,
    // Refs (and so MOR subscriptions) arrive late under the vendor's faults and the restarts.
    drift: { edits: 8, fromMs: 40_000, toMs: 90_000, sweepsAtMs: [50_000, 70_000, 88_000], afterDrain: 4 },
  },
  large: {
    name: "large",
    instances: 150,
    spreadMs: 240_000,
    steps: [3, 8],
    thinkMs: [1_500, 8_000],
    lateRate: 0.35,
    scale: 0.01,
    failRate: 0.6,
    slowMs: SLOW_MS,
    slowWindows: [
      { partner: "all", atMs: 100_000, forMs: 30_000, rate: 0.1 },
      { partner: "all", atMs: 350_000, forMs: 30_000, rate: 0.1 },
    ],
    outages: [
      { partner: "mor", atMs: 30_000, forS: 180 },
      { partner: "vendor", atMs: 270_000, forS: 120 },
      { partner: "koodrive", atMs: 420_000, forS: 60 },
    ],
    restartsAtMs: [60_000, 180_000, 300_000, 460_000],
    restartDownMs: 3_000,
    liftAtMs: 540_000,
    stepDeadlineMs: 300_000,
    drainTimeoutMs: 900_000,
    drift: { edits: 40, fromMs: 60_000, toMs: 520_000, sweepsAtMs: [90_000, 150_000, 210_000, 270_000, 330_000, 390_000, 450_000, 510_000], afterDrain: 10 },
  },
});
