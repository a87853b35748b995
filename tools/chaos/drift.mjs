/**
 * @module tools/chaos/drift
 * The drift case of a chaos run (README, "Drift"): while faults are on, MOR subscriptions are
 * changed behind the gateway's back (as someone working in MOR directly would) and reconciliation
 * sweeps run (`POST /admin/reconcile`, the gateway runs with RECONCILE_REPAIR=true); after the
 * drain, sweeps run until MOR agrees with every instance.
 *
 * Edits, each subscription at most once:
 * - `end`: a subscription MOR holds gets another activation end. Drift only while no later
 *   lifecycle effect overwrites it, and only where the instance has told MOR an end or "gone"
 *   (an instance that was only provisioned expects the subscription's presence, not its end);
 * - `resurrect`: a subscription the gateway deleted (a released instance) is back in MOR, active
 *   with an end or disabled. Always drift: a released instance expects it gone.
 * Not done: disabling or deleting the subscription of a live instance. MOR's subscription_update
 * neither re-enables nor re-creates one (docs/mor.md §C.4), so re-sending the current state
 * cannot repair that drift, and a deleted subscription would refuse the instance's later updates.
 */

/**
 * @typedef {object} DriftEdit
 * @property {number} atMs           since t0
 * @property {string} subscriptionId
 * @property {"end"|"resurrect"} kind
 * @property {{end?: number|null, state?: "active"|"disabled"}} change as applied to the mock
 *
 * @typedef {object} SweepRecord
 * @property {"run"|"final"} phase
 * @property {number} atMs           since t0
 * @property {{checked: number, inAgreement: number, drifted: number, repaired: number, resolved: number, skipped: number, errors: number, cursor: string|null, done: boolean}|null} summary
 *   null: the gateway did not answer (down, restarting)
 */

/**
 * When edits and sweeps happen, spread over `[fromMs, toMs]` of the fault timeline. Pure.
 * @param {import("./prng.mjs").Prng} prng
 * @param {{edits: number, fromMs: number, toMs: number, sweepsAtMs: number[]}} plan
 */
export function driftTimeline(prng, plan) {
  const span = Math.max(0, plan.toMs - plan.fromMs);
  const editsAtMs = Array.from({ length: plan.edits }, () => plan.fromMs + Math.floor(prng.next() * span)).sort((a, b) => a - b);
  return { editsAtMs, untilMs: plan.toMs, sweepsAtMs: [...plan.sweepsAtMs].sort((a, b) => a - b) };
}

/**
 * What to do to a subscription: move the end of one MOR holds, or bring back one it no longer
 * holds. Pure. The new end is in 2039, a year no lifecycle of the run reaches.
 * @param {import("./prng.mjs").Prng} prng
 * @param {boolean} present
 * @returns {{kind: "end"|"resurrect", change: {end?: number|null, state?: "active"|"disabled"}}}
 */
function driftEdit(prng, present) {
  const end = Date.UTC(2039, prng.int(0, 11), prng.int(1, 28), prng.int(0, 23)) / 1000;
  if (present) return { kind: "end", change: { end } };
  return prng.chance(0.5) ? { kind: "resurrect", change: { state: "disabled" } } : { kind: "resurrect", change: { end, state: "active" } };
}

/**
 * Picks and edits subscriptions, each at most once, from the ids the mock MOR has held so far
 * (`look` polls them), sorted, so a seed repeats its choices as far as timing allows. Half the
 * edits go to subscriptions the gateway deleted while there are any: an end edit of a live one is
 * often overwritten by its next lifecycle effect before a sweep sees it.
 * @param {{prng: import("./prng.mjs").Prng, mor: {subscriptions: () => Array<Record<string, string>>, edit: (id: string, change: object) => unknown}}} o
 */
export function driftEditor({ prng, mor }) {
  const seen = new Set();
  const edited = new Set();
  const look = () => {
    const present = new Set(mor.subscriptions().map((sub) => String(sub.id)));
    for (const id of present) seen.add(id);
    return present;
  };
  /** @param {number} atMs @returns {DriftEdit|null} null: no subscription left to edit */
  const editOne = (atMs) => {
    const present = look();
    const pool = [...seen].filter((id) => !edited.has(id)).sort();
    const gone = pool.filter((id) => !present.has(id));
    const from = gone.length > 0 && prng.chance(0.5) ? gone : pool;
    if (from.length === 0) return null;
    const id = prng.pick(from);
    const { kind, change } = driftEdit(prng, present.has(id));
    mor.edit(id, change);
    edited.add(id);
    return { atMs, subscriptionId: id, kind, change };
  };
  return { look, editOne };
}

/**
 * Plays the edits and the mid-run sweeps.
 * @param {object} o
 * @param {{editsAtMs: number[], untilMs: number, sweepsAtMs: number[]}} o.timeline
 * @param {number} o.t0
 * @param {ReturnType<typeof driftEditor>} o.editor
 * @param {(limit: number) => Promise<SweepRecord["summary"]>} o.reconcile one POST /admin/reconcile
 * @param {(line: string) => void} o.log
 * @returns {Promise<{edits: DriftEdit[], sweeps: SweepRecord[]}>}
 */
export async function playDrift({ timeline, t0, editor, reconcile, log }) {
  /** @type {DriftEdit[]} */
  const edits = [];
  /** @type {SweepRecord[]} */
  const sweeps = [];
  const poller = setInterval(editor.look, 1_000);
  const editAll = async () => {
    for (const at of timeline.editsAtMs) {
      await sleep(t0 + at - Date.now());
      // Subscriptions appear as the vendor hands out refs, late under faults: an edit with none
      // left to pick waits for one, until the end of the window.
      let edit = editor.editOne(Date.now() - t0);
      while (!edit && Date.now() - t0 < timeline.untilMs) {
        await sleep(1_000);
        edit = editor.editOne(Date.now() - t0);
      }
      if (!edit) continue;
      edits.push(edit);
      log(`t=${(edit.atMs / 1000).toFixed(1)}s drift: ${edit.kind} MOR subscription ${edit.subscriptionId} ${JSON.stringify(edit.change)}`);
    }
  };
  const sweepAll = async () => {
    for (const at of timeline.sweepsAtMs) {
      await sleep(t0 + at - Date.now());
      const round = await sweepRound({ phase: "run", t0, reconcile, maxCalls: 6 });
      sweeps.push(...round);
      const s = totalOf(round);
      log(
        `t=${((Date.now() - t0) / 1000).toFixed(1)}s sweep: ${round.length} calls, checked ${s.checked}, drifted ${s.drifted}, repairs queued ${s.repaired}, resolved ${s.resolved}, skipped ${s.skipped}, errors ${s.errors}${round.some((r) => !r.summary) ? ", gateway unreachable for some" : ""}`,
      );
    }
  };
  try {
    await Promise.all([editAll(), sweepAll()]);
  } finally {
    clearInterval(poller);
  }
  return { edits, sweeps };
}

/**
 * One walk: POST /admin/reconcile until `done`, at most `maxCalls` calls (a failed MOR listing or
 * an unreachable gateway answers `done: false` or nothing; the walk then ends unfinished).
 * @param {{phase: "run"|"final", t0: number, reconcile: (limit: number) => Promise<SweepRecord["summary"]>, maxCalls: number}} o
 * @returns {Promise<SweepRecord[]>}
 */
export async function sweepRound({ phase, t0, reconcile, maxCalls }) {
  /** @type {SweepRecord[]} */
  const out = [];
  for (let i = 0; i < maxCalls; i++) {
    const summary = await reconcile(500);
    out.push({ phase, atMs: Date.now() - t0, summary });
    if (summary?.done) break;
    if (!summary) await sleep(1_000);
  }
  return out;
}

/** @param {SweepRecord[]} records */
export function totalOf(records) {
  const t = { checked: 0, inAgreement: 0, drifted: 0, repaired: 0, resolved: 0, skipped: 0, errors: 0 };
  for (const r of records) if (r.summary) for (const k of /** @type {Array<keyof typeof t>} */ (Object.keys(t))) t[k] += r.summary[k] ?? 0;
  return t;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
