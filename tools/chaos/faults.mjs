/**
 * @module tools/chaos/faults
 * The fault timeline of a chaos run and its player. Faults are switched on the running mock
 * partners (tools/mocks runtime switch) and the gateway is killed with SIGKILL and started again
 * on the same persisted state. Every change is logged with its time, and the gateway's downtime
 * windows are kept: only inside them may a marketplace see a 5xx.
 */

/**
 * @typedef {"vendor"|"koodrive"|"mor"} Partner
 * @typedef {{atMs: number, kind: "faults", partner: Partner|"all", patch: Record<string, unknown>, note: string}
 *   | {atMs: number, kind: "restart", downMs: number, note: string}} TimelineEntry
 */

/**
 * @typedef {object} FaultPlan
 * @property {number} failRate        share of each partner's calls refused while faults are on
 * @property {number} slowMs          how late a slow answer comes (past the gateway's 15 s client timeout)
 * @property {Array<{partner: Partner|"all", atMs: number, forMs: number, rate: number}>} slowWindows
 *   spans in which a share of answers is slow (a slow answer holds up a local queue batch, so
 *   they are kept to windows)
 * @property {Array<{partner: Partner, atMs: number, forS: number}>} outages
 * @property {number[]} restartsAtMs  gateway SIGKILL + restart times, from the workload start
 * @property {number} restartDownMs   how long the gateway stays dead before it is started again
 * @property {number} liftAtMs        every fault off (the workload may still be running)
 */

/**
 * The timeline: faults on at the start (each partner with its own refusal flavour, so the
 * gateway meets plain 503s, 503 + Retry-After and 429 + Retry-After), slow-answer windows, the
 * outages, the restarts, and finally every fault lifted.
 * @param {FaultPlan} plan
 * @returns {TimelineEntry[]}
 */
export function faultTimeline(plan) {
  /** @type {TimelineEntry[]} */
  const entries = [
    {
      atMs: 0,
      kind: "faults",
      partner: "vendor",
      patch: { failRate: plan.failRate, failStatus: 503, retryAfterS: 2, slowMs: plan.slowMs },
      note: `vendor refuses ${pct(plan.failRate)} (503 + Retry-After: 2)`,
    },
    {
      atMs: 0,
      kind: "faults",
      partner: "koodrive",
      patch: { failRate: plan.failRate, failStatus: 429, retryAfterS: 1, slowMs: plan.slowMs },
      note: `koodrive refuses ${pct(plan.failRate)} (429 + Retry-After: 1)`,
    },
    {
      atMs: 0,
      kind: "faults",
      partner: "mor",
      patch: { failRate: plan.failRate, failStatus: 503, slowMs: plan.slowMs },
      note: `mor refuses ${pct(plan.failRate)} (503)`,
    },
  ];
  for (const w of plan.slowWindows) {
    entries.push({
      atMs: w.atMs,
      kind: "faults",
      partner: w.partner,
      patch: { slowRate: w.rate },
      note: `${w.partner} answers ${pct(w.rate)} after ${plan.slowMs} ms, past the gateway's client timeout, for ${w.forMs / 1000}s`,
    });
    entries.push({ atMs: w.atMs + w.forMs, kind: "faults", partner: w.partner, patch: { slowRate: 0 }, note: `${w.partner} answers in time again` });
  }
  for (const o of plan.outages)
    entries.push({ atMs: o.atMs, kind: "faults", partner: o.partner, patch: { downForS: o.forS }, note: `${o.partner} down for ${o.forS}s` });
  entries.push({ atMs: plan.liftAtMs, kind: "faults", partner: "all", patch: NO_FAULTS_PATCH, note: "all partner faults lifted" });
  for (const [i, atMs] of plan.restartsAtMs.entries()) {
    entries.push({
      atMs,
      kind: "restart",
      downMs: plan.restartDownMs,
      note: `gateway SIGKILL #${i + 1}, dead for ${plan.restartDownMs / 1000}s, then restarted on the same state`,
    });
  }
  return entries.sort((a, b) => a.atMs - b.atMs);
}

/** Every fault off: the state the drain runs in. */
export const NO_FAULTS_PATCH = Object.freeze({ failRate: 0, slowRate: 0, downForS: 0, retryAfterS: null, status: null, latencyMs: 0 });

/** @param {number} share */
const pct = (share) => `${Math.round(share * 100)} %`;

/**
 * @typedef {object} Downtime
 * @property {number} killedAt  epoch ms
 * @property {number} readyAt   epoch ms the restarted gateway answered /healthz
 */

/**
 * Plays the timeline from `t0`. Resolves when its last entry has run.
 * @param {TimelineEntry[]} timeline
 * @param {object} ctx
 * @param {number} ctx.t0
 * @param {{setFaults: (server: Partner|"all", patch: Record<string, unknown>) => void}} ctx.mocks
 * @param {import("../lib/wrangler-dev.mjs").DevServer} ctx.gateway
 * @param {(line: string) => void} ctx.log
 * @returns {Promise<{downtimes: Downtime[]}>}
 */
export async function playTimeline(timeline, { t0, mocks, gateway, log }) {
  /** @type {Downtime[]} */
  const downtimes = [];
  /** @type {Promise<void>[]} */
  const restarts = [];
  const since = (/** @type {number} */ ms) => `t=${((ms - t0) / 1000).toFixed(1)}s`;
  for (const entry of timeline) {
    await sleep(t0 + entry.atMs - Date.now());
    if (entry.kind === "faults") {
      mocks.setFaults(entry.partner, entry.patch);
      log(`${since(Date.now())} ${entry.note}`);
      continue;
    }
    // A restart takes a while (wrangler starts workerd); the partners' faults keep their schedule.
    const previous = restarts.at(-1) ?? Promise.resolve();
    restarts.push(
      previous.then(async () => {
        const killedAt = Date.now();
        await gateway.kill();
        log(`${since(killedAt)} ${entry.note}`);
        await sleep(entry.downMs);
        await gateway.restart();
        const readyAt = Date.now();
        downtimes.push({ killedAt, readyAt });
        log(`${since(readyAt)} gateway ready again after ${((readyAt - killedAt) / 1000).toFixed(1)}s`);
      }),
    );
  }
  await Promise.all(restarts);
  return { downtimes };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
