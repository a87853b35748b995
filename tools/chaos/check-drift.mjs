/**
 * @module tools/chaos/check-drift
 * The drift part of the verdict (README, "Drift"). Pure. What the run knows apart from the
 * gateway: which subscriptions it edited in MOR, and what MOR held after the drain and at the end.
 *
 * - MOR after the drain is compared with what each instance's lifecycle implies MOR holds (its
 *   last implied MOR effect: an end, until canceled, gone; none: present and enabled). Every
 *   disagreement must be an edit of the run (anything else is a lost or wrong effect) and must be
 *   found by the sweeps; an edit that a later lifecycle effect overwrote is no drift.
 * - A drift the gateway announces (`instance.drift_detected` at /ops) must be on an instance the
 *   run edited: a drift found where MOR was never touched is a false one.
 * - A repair is a second MOR delivery of an event (the sweep re-sends the latest MOR-bound event).
 *   It is allowed only on an instance with an announced drift, at most one per drift, for the
 *   event that was the latest MOR-bound one when the repair was queued, and, once delivered, MOR
 *   must have accepted that event's implied effect after it was queued. Any other extra effect
 *   stays a failure of the MOR comparison in check.mjs.
 * - At the end nothing is left: GET /admin/drift is empty, MOR agrees with every instance, and
 *   every announced drift has its `instance.drift_repaired`.
 */
/**
 * @typedef {object} DriftInput
 * @property {import("./drift.mjs").DriftEdit[]} edits
 * @property {import("./drift.mjs").SweepRecord[]} sweeps
 * @property {Array<Record<string, string>>} morAtDrain   the mock's subscriptions after the drain, before the final sweeps
 * @property {Array<Record<string, string>>} morAtEnd     after the final sweeps and their repairs
 * @property {Array<Record<string, unknown>>} listed      GET /admin/drift at the end
 *
 * @typedef {object} DriftCounts
 * @property {number} edits            MOR subscriptions edited behind the gateway's back
 * @property {number} atDrain          instances MOR disagreed with after the drain (edits not overwritten by the lifecycle)
 * @property {number} found            drifts announced (instance.drift_detected)
 * @property {number} repairs          repair deliveries (the latest MOR-bound event re-sent)
 * @property {number} repaired         drifts announced repaired (instance.drift_repaired)
 * @property {number} left             drifts listed by GET /admin/drift at the end
 * @property {number} disagreeAtEnd    instances MOR disagrees with at the end
 * @property {number} falseDrifts      drifts announced on an instance the run never edited
 * @property {number} missed           disagreements after the drain never announced, or not the run's edits
 * @property {number} badRepairs       repairs not allowed (no drift, one too many, stale event, effect not seen)
 * @property {number} unrepaired       announced drifts without their drift_repaired
 * @property {{run: number, final: number, unanswered: number, finalErrors: number}} sweeps admin calls
 */

/**
 * @typedef {object} InstanceMor
 * @property {string} label
 * @property {string} sub                       the instance's MOR subscription id
 * @property {Array<{seq: number|null, effect: string}>} implied  MOR effects the lifecycle implies, in order
 * @property {Array<{deliveryId: string, eventSeq: number, connector: string, status: string, createdAt?: string}>} deliveries
 */

/**
 * @param {object} o
 * @param {DriftInput|undefined} o.drift
 * @param {Map<string, InstanceMor>} o.instances by instance key
 * @param {import("./check.mjs").Received[]} o.mor every request MOR received
 * @param {Array<{id: string, type: string, data: Record<string, unknown>}>} o.ops operational events received at /ops
 * @param {(r: import("./check.mjs").Received) => string|null} o.effectId MOR effect identity (check.mjs)
 * @param {{add: (kind: string, line: string) => void}} o.problems
 * @returns {DriftCounts}
 */
export function judgeDrift({ drift, instances, mor, ops, effectId, problems }) {
  const input = drift ?? { edits: [], sweeps: [], morAtDrain: [], morAtEnd: [], listed: [] };
  /** @type {Map<string, string>} */
  const keyOfSub = new Map([...instances].map(([key, i]) => [i.sub, key]));
  const editedKeys = new Set(input.edits.map((e) => keyOfSub.get(e.subscriptionId)).filter((k) => k !== undefined));
  const events = new Map(ops.map((e) => [e.id, e]));
  const detected = [...events.values()].filter((e) => e.type === "instance.drift_detected" && e.data.connector === "mor");
  const repairedEvents = [...events.values()].filter((e) => e.type === "instance.drift_repaired" && e.data.connector === "mor");
  const detectedPer = countBy(detected.map((e) => String(e.data.instanceKey)));
  const finalCalls = input.sweeps.filter((s) => s.phase === "final");
  /** @type {DriftCounts} */
  const counts = {
    edits: input.edits.length,
    atDrain: 0,
    found: detected.length,
    repairs: 0,
    repaired: repairedEvents.length,
    left: input.listed.length,
    disagreeAtEnd: 0,
    falseDrifts: 0,
    missed: 0,
    badRepairs: 0,
    unrepaired: 0,
    sweeps: {
      run: input.sweeps.length - finalCalls.length,
      final: finalCalls.length,
      unanswered: input.sweeps.filter((s) => !s.summary).length,
      finalErrors: finalCalls.reduce((n, s) => n + (s.summary?.errors ?? 0), 0),
    },
  };
  if (counts.sweeps.finalErrors > 0) problems.add("drift-sweep", `final sweeps: ${counts.sweeps.finalErrors} instances not checked (errors)`);

  for (const e of detected) {
    const key = String(e.data.instanceKey);
    if (editedKeys.has(key)) continue;
    counts.falseDrifts += 1;
    problems.add(
      "drift-false",
      `${instances.get(key)?.label ?? key}: drift announced (MOR ${e.data.partnerValue}, instance ${e.data.instanceValue}) but the run never edited its subscription`,
    );
  }
  for (const e of detected) {
    const since = e.data.since;
    if (repairedEvents.some((r) => r.data.instanceKey === e.data.instanceKey && r.data.since === since)) continue;
    counts.unrepaired += 1;
    problems.add(
      "drift-unrepaired",
      `${instances.get(String(e.data.instanceKey))?.label ?? e.data.instanceKey}: drift since ${since} never announced repaired`,
    );
  }
  for (const item of input.listed)
    problems.add(
      "drift-left",
      `${instances.get(String(item.instanceKey))?.label ?? item.instanceKey}: still listed as drift (MOR ${item.partnerValue}, instance ${item.instanceValue})`,
    );

  const atDrain = new Map(input.morAtDrain.map((s) => [String(s.id), s]));
  const atEnd = new Map(input.morAtEnd.map((s) => [String(s.id), s]));
  const accepted = mor.filter((r) => r.ok && r.path.startsWith("/billing/api/"));
  for (const [key, inst] of instances) {
    const target = inst.implied.at(-1)?.effect ?? null;
    if (drift && !morAgrees(target, atDrain.get(inst.sub))) {
      counts.atDrain += 1;
      if (!editedKeys.has(key) || !detectedPer.has(key)) {
        counts.missed += 1;
        problems.add(
          "drift-missed",
          `${inst.label}: after the drain MOR holds ${describe(atDrain.get(inst.sub))}, the lifecycle implies ${target ?? "present"}${editedKeys.has(key) ? ", and no sweep announced it" : ", and the run never edited it"}`,
        );
      }
    }
    if (drift && !morAgrees(target, atEnd.get(inst.sub))) {
      counts.disagreeAtEnd += 1;
      problems.add("drift-left", `${inst.label}: at the end MOR holds ${describe(atEnd.get(inst.sub))}, the lifecycle implies ${target ?? "present"}`);
    }

    // Repairs: MOR deliveries of an event that already had one, in the order they were queued.
    const morDeliveries = inst.deliveries.filter((d) => d.connector === "mor").sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
    const firstOfSeq = new Map();
    /** @type {typeof morDeliveries} */
    const repairs = [];
    for (const d of morDeliveries) {
      if (firstOfSeq.has(d.eventSeq)) repairs.push(d);
      else firstOfSeq.set(d.eventSeq, d);
    }
    counts.repairs += repairs.length;
    const allowed = detectedPer.get(key) ?? 0;
    repairs.forEach((r, i) => {
      const bad = (/** @type {string} */ why) => {
        counts.badRepairs += 1;
        problems.add("drift-repair", `${inst.label}: repair ${r.deliveryId} (event ${r.eventSeq}) ${why}`);
      };
      if (!editedKeys.has(key) || allowed === 0) return bad("on an instance without drift");
      if (i >= allowed) return bad(`is one more than its ${allowed} drift(s)`);
      // The event re-sent must be the latest MOR-bound one when the repair was queued.
      const latest = [...firstOfSeq.values()].filter((d) => (d.createdAt ?? "") <= (r.createdAt ?? "")).reduce((m, d) => Math.max(m, d.eventSeq), -1);
      if (latest !== r.eventSeq) return bad(`re-sends an older event than the latest (${latest}) at ${r.createdAt}`);
      if (r.status !== "delivered") return undefined;
      const effect = inst.implied.find((x) => x.seq === r.eventSeq)?.effect;
      if (!effect) return bad("re-sends an event the lifecycle does not imply for MOR");
      const since = Date.parse(r.createdAt ?? "") || 0;
      if (!accepted.some((m) => effectId(m) === effect && (Date.parse(m.at) || 0) >= since))
        return bad(`was delivered but MOR accepted no ${effect} after it was queued`);
      return undefined;
    });
  }
  return counts;
}

/** True when every drift counter that must be zero is. @param {DriftCounts} c */
export function driftOk(c) {
  return (
    c.left === 0 && c.disagreeAtEnd === 0 && c.falseDrifts === 0 && c.missed === 0 && c.badRepairs === 0 && c.unrepaired === 0 && c.sweeps.finalErrors === 0
  );
}

/**
 * Does MOR's record match the last implied effect (`update:<sub>:<end>`, end "" = until canceled;
 * `delete:<sub>:1` = gone; null = no MOR-bound event, present and enabled)?
 * @param {string|null} target
 * @param {Record<string, string>|undefined} sub
 */
function morAgrees(target, sub) {
  if (target?.startsWith("delete:")) return sub === undefined;
  if (!sub || sub.status === "disabled") return false;
  if (target === null) return true;
  const end = target.split(":")[2] ?? "?";
  const untilCanceled = sub.subscription_until_canceled === "1" || sub.subscription_activation_end === undefined;
  return end === "" ? untilCanceled : !untilCanceled && sub.subscription_activation_end === end;
}

/** @param {Record<string, string>|undefined} sub */
function describe(sub) {
  if (!sub) return "nothing";
  if (sub.status === "disabled") return "it disabled";
  return sub.subscription_until_canceled === "1" || sub.subscription_activation_end === undefined ? "until canceled" : `end ${sub.subscription_activation_end}`;
}

/** @param {string[]} xs */
function countBy(xs) {
  const m = new Map();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}
