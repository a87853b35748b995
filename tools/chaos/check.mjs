/**
 * @module tools/chaos/check
 * The verdict of a chaos run. Pure: it reads the plans, what the marketplaces were answered, the
 * gateway's own record (admin API) and what each mock partner received, and counts.
 *
 * One effect per expected event and partner, identified by what the partner itself can see:
 * - vendor: the `webhook-id` header (the delivery id, also the payload `id`);
 * - KooDrive: `x-traceid`, which the gateway derives from the delivery id (first 58 hex digits of
 *   its SHA-256), so it is mapped back to the delivery here;
 * - MOR: no idempotency field exists, so an effect is what it does: method + subscription_id +
 *   subscription_activation_end (update) or + subscription_delete_action (delete). Two effects of
 *   one instance never coincide, because the workload spaces one instance's steps more than a
 *   second apart and MOR times are whole seconds. A MOR re-send is a real second application; one
 *   that arrives after a later effect of the same subscription would undo it, so it counts as
 *   misordered.
 * A request for an effect the partner had already accepted is a re-send (at-least-once delivery,
 * expected under faults); a second effect for one event, or one no event explains, is doubled.
 * Repairs of drift (a sweep re-sending an instance's latest MOR-bound event) are judged in
 * check-drift.mjs: allowed only where the run edited MOR and the gateway announced the drift.
 */
import { createHash } from "node:crypto";
import { driftOk, judgeDrift } from "./check-drift.mjs";
import { reactingConnectors } from "./workload.mjs";

const PARTNERS = /** @type {const} */ (["vendor", "koodrive", "mor"]);
const KOODRIVE_NOTIFY = "/koodrive/ose/v1/carrier/users/notifyPackageExpire";
const MOR_PREFIX = "/billing/api/";

/**
 * @typedef {{instance: {key: string, state: string, expiresAt: string|null, refs: Record<string, string>},
 *   events: Array<{seq: number, type: string, occurredAt: string}>,
 *   deliveries: Array<{deliveryId: string, eventSeq: number, connector: string, status: string, reason: string|null, attempts: number, createdAt?: string}>}} InstanceView
 * @typedef {{at: string, method: string, path: string, headers: Record<string, string>, body: string, status: number, ok: boolean, verdict: string, injected: boolean, slow?: boolean, fields: Record<string, unknown>, warnings: string[]}} Received
 * @typedef {{vendor: Received[], koodrive: Received[], mor: Received[]}} ReceivedByPartner
 * @typedef {import("./marketplace.mjs").CallRecord} CallRecord
 * @typedef {import("./marketplace.mjs").InstanceRun} InstanceRun
 *
 * @typedef {object} PartnerCounts
 * @property {number} expected   effects the lifecycles imply
 * @property {number} effects    distinct effects accepted
 * @property {number} requests   requests received
 * @property {number} refused    requests refused by an injected fault
 * @property {number} slow       requests processed but answered past the client timeout
 * @property {number} resends    requests for an effect already accepted
 * @property {number} lost
 * @property {number} doubled
 * @property {number} misordered
 *
 * @typedef {object} Verdict
 * @property {boolean} ok
 * @property {Record<"vendor"|"koodrive"|"mor", PartnerCounts>} partners
 * @property {{instances: number, byPlatform: Record<string, number>, unacknowledged: number, stateMismatch: number, eventsLost: number, eventsDoubled: number, eventsMisordered: number}} gateway
 * @property {{total: number, byConnector: Record<string, number>, delivered: number, pending: number, skipped: number, dead: number}} deliveries
 * @property {{sent: number, copies: number, late: number, lateStale: number, lateRefused: number, lateDropped: number, retries: number, serverErrors: number, serverErrorsInDowntime: number, badSignatures: number}} calls
 * @property {number} deadLetters
 * @property {import("./check-drift.mjs").DriftCounts} drift
 * @property {{lost: number, doubled: number, misordered: number}} totals
 * @property {string[]} problems  one line each, the first of every kind kept
 */

/** Where the chaos run points OPS_WEBHOOK_URL (the mock vendor, another path). */
const OPS_PATH = "/ops";

/**
 * @param {object} input
 * @param {import("./marketplace.mjs").InstanceRun[]} input.runs
 * @param {Map<string, InstanceView|null>} input.views by instance key
 * @param {ReceivedByPartner} input.received
 * @param {import("./marketplace.mjs").CallRecord[]} input.calls
 * @param {import("./faults.mjs").Downtime[]} input.downtimes
 * @param {number} input.deadLetters  items listed by GET /admin/dead-letters
 * @param {number} [input.downtimeGraceMs] after a restart the gateway may still be warming up
 * @param {import("./check-drift.mjs").DriftInput} [input.drift] the drift case; without it, any repair fails the run
 * @returns {Verdict}
 */
export function judgeRun({ runs, views, received: all, calls, downtimes, deadLetters, downtimeGraceMs = 2_000, drift }) {
  // Operational events (connector.paused by the circuit breaker, …) reach the mock vendor at
  // /ops; they are not partner deliveries and are counted apart.
  const received = { ...all, vendor: all.vendor.filter((r) => !r.path.startsWith(OPS_PATH)) };
  const problems = new Problems();
  const partners = /** @type {Record<"vendor"|"koodrive"|"mor", PartnerCounts>} */ (Object.fromEntries(PARTNERS.map((p) => [p, emptyCounts(received[p])])));
  const gateway = {
    instances: runs.length,
    byPlatform: /** @type {Record<string, number>} */ ({}),
    unacknowledged: 0,
    stateMismatch: 0,
    eventsLost: 0,
    eventsDoubled: 0,
    eventsMisordered: 0,
  };
  const deliveries = { total: 0, byConnector: /** @type {Record<string, number>} */ ({}), delivered: 0, pending: 0, skipped: 0, dead: 0 };

  // ---- the gateway's own record, and the delivery index -------------------------------------
  /** @type {Map<string, {key: string, connector: string, seq: number, type: string}>} */
  const byDelivery = new Map();
  /** @type {Map<string, string>} KooDrive trace id -> delivery id */
  const byTrace = new Map();
  /** @type {Map<string, string>} MOR subscription id -> instance key */
  const byMorSubscription = new Map();
  /** @type {Map<string, {run: import("./marketplace.mjs").InstanceRun, view: InstanceView, expectedTypes: string[], events: InstanceView["events"]}>} */
  const instances = new Map();

  for (const run of runs) {
    gateway.byPlatform[run.plan.platform] = (gateway.byPlatform[run.plan.platform] ?? 0) + 1;
    if (run.failure) {
      gateway.unacknowledged += run.plan.steps.length - run.acknowledged;
      problems.add("unacknowledged", `${run.plan.label}: ${run.failure}`);
    }
    if (!run.key) continue;
    const view = views.get(run.key) ?? null;
    const expectedSteps = run.plan.steps.slice(0, run.acknowledged);
    const expectedTypes = expectedSteps.map((s) => s.eventType);
    if (!view) {
      gateway.eventsLost += expectedTypes.length;
      problems.add("no-instance", `${run.plan.label} ${run.key}: the gateway has no such instance`);
      continue;
    }
    const events = [...view.events].sort((a, b) => a.seq - b.seq);
    const cmp = compareSequences(
      expectedTypes,
      events.map((e) => e.type),
    );
    gateway.eventsLost += cmp.lost;
    gateway.eventsDoubled += cmp.doubled;
    gateway.eventsMisordered += cmp.misordered;
    if (cmp.lost || cmp.doubled || cmp.misordered)
      problems.add(
        "events",
        `${run.plan.label}: events ${events.map((e) => e.type.replace("instance.", "")).join(",")} but the lifecycle implies ${expectedTypes.map((t) => t.replace("instance.", "")).join(",")}`,
      );
    const expectedState = expectedSteps.at(-1)?.stateAfter;
    // A released instance is a tombstone: its expiry is gone with its data.
    const expectedExpiry = run.failure || expectedState === "released" ? undefined : run.plan.expected.expiresAt;
    if (view.instance.state !== expectedState || (expectedExpiry !== undefined && view.instance.expiresAt !== expectedExpiry)) {
      gateway.stateMismatch += 1;
      problems.add(
        "state",
        `${run.plan.label}: state ${view.instance.state} expiresAt ${view.instance.expiresAt}, expected ${expectedState}${expectedExpiry !== undefined ? ` expiresAt ${expectedExpiry}` : ""}`,
      );
    }
    const typeOfSeq = new Map(events.map((e) => [e.seq, e.type]));
    for (const d of view.deliveries) {
      deliveries.total += 1;
      deliveries.byConnector[d.connector] = (deliveries.byConnector[d.connector] ?? 0) + 1;
      byDelivery.set(d.deliveryId, { key: run.key, connector: d.connector, seq: d.eventSeq, type: typeOfSeq.get(d.eventSeq) ?? "?" });
      if (d.connector === "koodrive") byTrace.set(traceIdFor(d.deliveryId), d.deliveryId);
      if (d.status === "delivered") deliveries.delivered += 1;
      else if (d.status === "pending" || d.status === "waiting") {
        deliveries.pending += 1;
        problems.add(
          "pending",
          `${run.plan.label}: ${d.connector} delivery ${d.deliveryId} still ${d.status} after ${d.attempts} attempts (${d.reason ?? "no reason"})`,
        );
      } else {
        deliveries[d.status === "dead" ? "dead" : "skipped"] += 1;
        problems.add(d.status, `${run.plan.label}: ${d.connector} delivery ${d.deliveryId} ${d.status}: ${d.reason ?? ""}`);
      }
    }
    const sub = view.instance.refs["mor.subscriptionId"];
    if (sub) byMorSubscription.set(sub, run.key);
    instances.set(run.key, { run, view, expectedTypes, events });
  }

  // ---- what each partner saw ----------------------------------------------------------------
  const vendor = effectsOf(
    received.vendor,
    (r) => r.headers["webhook-id"] ?? null,
    (r) => r.ok || r.verdict === "duplicate",
  );
  const koodrive = effectsOf(
    received.koodrive.filter((r) => r.path === KOODRIVE_NOTIFY),
    (r) => r.headers["x-traceid"] ?? null,
    (r) => r.ok,
  );
  const mor = effectsOf(
    received.mor.filter((r) => r.path.startsWith(MOR_PREFIX)),
    morEffectId,
    (r) => r.ok,
  );
  for (const [name, seen] of /** @type {const} */ ([
    ["vendor", vendor],
    ["koodrive", koodrive],
  ])) {
    partners[name].effects = seen.order.length;
    partners[name].resends = seen.resends;
  }
  /** @type {Map<string, string[]>} MOR subscription id -> accepted effects, in arrival order */
  const morAccepted = new Map();
  for (const r of received.mor) {
    if (!r.path.startsWith(MOR_PREFIX) || !r.ok) continue;
    const id = morEffectId(r);
    if (id === null) continue;
    const sub = id.split(":")[1] ?? "";
    morAccepted.set(sub, [...(morAccepted.get(sub) ?? []), id]);
  }
  const morTotal = [...morAccepted.values()].reduce((n, list) => n + list.length, 0);
  const morCollapsed = [...morAccepted.values()].reduce((n, list) => n + collapse(list).length, 0);
  partners.mor.effects = morCollapsed;
  partners.mor.resends = morTotal - morCollapsed;
  for (const r of received.vendor)
    if (r.warnings.some((w) => w.includes("different body")))
      problems.add("vendor-id-reuse", `vendor: webhook-id ${r.headers["webhook-id"]} arrived again with a different body`);

  // Vendor payloads: instance key, type and, for renewals, the new expiry (MOR's activation end).
  /** @type {Map<string, {key: string, type: string, expiresAt: string|null}>} */
  const vendorPayload = new Map();
  for (const r of received.vendor) {
    const id = r.headers["webhook-id"];
    if (!id || vendorPayload.has(id)) continue;
    try {
      const event = JSON.parse(r.body);
      vendorPayload.set(id, { key: event.instance?.key ?? "", type: event.type ?? "", expiresAt: event.instance?.expiresAt ?? null });
    } catch {
      /* refused before it was read, or not JSON: nothing to learn */
    }
  }

  /** @type {Record<string, Map<string, string[]>>} per partner: instance key -> accepted effect ids in order */
  const perInstance = { vendor: new Map(), koodrive: new Map(), mor: new Map() };
  const push = (/** @type {string} */ partner, /** @type {string} */ key, /** @type {string} */ id) => {
    const list = perInstance[partner].get(key) ?? [];
    list.push(id);
    perInstance[partner].set(key, list);
  };
  for (const id of vendor.order) {
    const key = byDelivery.get(id)?.key ?? vendorPayload.get(id)?.key ?? "";
    if (!instances.has(key)) {
      partners.vendor.doubled += 1;
      problems.add("unexplained", `vendor: accepted ${id} (${vendorPayload.get(id)?.type ?? "?"}) that no delivery of the run explains`);
    } else push("vendor", key, id);
  }
  for (const trace of koodrive.order) {
    const id = byTrace.get(trace);
    const key = id ? byDelivery.get(id)?.key : undefined;
    if (!key || !instances.has(key)) {
      partners.koodrive.doubled += 1;
      problems.add("unexplained", `koodrive: accepted x-traceid ${trace} that no delivery of the run explains`);
    } else push("koodrive", key, trace);
  }
  for (const effect of mor.order) {
    const key = byMorSubscription.get(effect.split(":")[1] ?? "");
    if (!key || !instances.has(key)) {
      partners.mor.doubled += 1;
      problems.add("unexplained", `mor: accepted ${effect} for a subscription no instance of the run holds`);
    } else push("mor", key, effect);
  }

  // ---- per instance and partner: exactly the implied effects, in order ----------------------
  /** @type {Map<string, import("./check-drift.mjs").InstanceMor>} */
  const morOf = new Map();
  for (const [key, { run, view, expectedTypes, events }] of instances) {
    const label = run.plan.label;
    // The gateway's events aligned with the lifecycle's, so values (times) come from the real event.
    const aligned = alignEvents(expectedTypes, events);
    for (const partner of PARTNERS) {
      const expected = expectedTypes.filter((t) => reactingConnectors(t).includes(partner));
      const ids = perInstance[partner].get(key) ?? [];
      if (partner === "mor") {
        // MOR has no idempotency key: an effect is what it does, so two events may imply the same
        // effect (a resume puts back the end a renewal set). Compare sequences, with a re-send
        // (the same effect again at once) collapsed on both sides; a re-send that lands after a
        // later effect stays, and shows as doubled and misordered.
        const sub = view.instance.refs["mor.subscriptionId"] ?? "?";
        const implied = aligned
          .filter(({ type }) => reactingConnectors(type).includes("mor"))
          .map(({ type, event, index }) => ({ seq: event?.seq ?? null, effect: expectedMorEffect(type, sub, event, index, run.plan, view, vendorPayload) }));
        morOf.set(key, { label, sub, implied, deliveries: view.deliveries });
        const want = collapse(implied.map((x) => x.effect));
        // Counted as compared: two events that imply one MOR effect expect it once.
        partners.mor.expected += want.length;
        const got = collapse(morAccepted.get(sub) ?? []);
        const cmp = compareSequences(want, got);
        tally(partners.mor, cmp, problems, `${label} mor: accepted ${got.join(" ")} but the lifecycle implies ${want.join(" ")}`);
        continue;
      }
      const deliveryOf = (/** @type {string} */ id) => byDelivery.get(partner === "koodrive" ? (byTrace.get(id) ?? "") : id);
      partners[partner].expected += expected.length;
      const types = ids.map((id) => deliveryOf(id)?.type ?? vendorPayload.get(id)?.type ?? "?");
      const cmp = compareSequences(expected, types);
      const seqs = ids.map((id) => deliveryOf(id)?.seq ?? 0);
      cmp.misordered = Math.max(cmp.misordered, seqs.length - longestIncreasing(seqs));
      tally(
        partners[partner],
        cmp,
        problems,
        `${label} ${partner}: accepted ${types.map((t) => t.replace("instance.", "")).join(",")} but the lifecycle implies ${expected.map((t) => t.replace("instance.", "")).join(",")}`,
      );
    }
  }

  // ---- what the marketplaces were answered ---------------------------------------------------
  const inDowntime = (/** @type {import("./marketplace.mjs").CallRecord} */ c) =>
    downtimes.some((d) => c.sentAt <= d.readyAt + downtimeGraceMs && c.answeredAt >= d.killedAt - 1_000);
  const callCounts = {
    sent: calls.length,
    copies: 0,
    late: 0,
    lateStale: 0,
    lateRefused: 0,
    lateDropped: runs.reduce((n, r) => n + r.lateDropped, 0),
    retries: 0,
    serverErrors: 0,
    serverErrorsInDowntime: 0,
    badSignatures: 0,
  };
  for (const c of calls) {
    if (c.kind === "copy") callCounts.copies += 1;
    if (c.kind === "retry") callCounts.retries += 1;
    if (c.kind === "late") {
      callCounts.late += 1;
      if (c.stale) callCounts.lateStale += 1;
      if (!c.ok && c.status !== null && !c.serverError) {
        callCounts.lateRefused += 1;
        problems.add("late-refused", `${c.label}: late copy of step ${c.step}${c.stale ? " (stale)" : ""} answered ${c.status}${c.code ? ` ${c.code}` : ""}`);
      }
    }
    if (c.status === 200 && c.signed === false) {
      callCounts.badSignatures += 1;
      problems.add("signature", `${c.label}: step ${c.step} answer without a valid Body-Sign`);
    }
    if (c.serverError) {
      if (inDowntime(c)) callCounts.serverErrorsInDowntime += 1;
      else {
        callCounts.serverErrors += 1;
        problems.add(
          "5xx",
          `${c.label}: step ${c.step} (${c.kind}) answered ${c.status}${c.code ? ` ${c.code}` : ""} at ${new Date(c.answeredAt).toISOString()}, outside any downtime`,
        );
      }
    }
  }

  // ---- drift: edits, sweeps, repairs ----------------------------------------------------------
  /** @type {Map<string, {id: string, type: string, data: Record<string, unknown>}>} */
  const ops = new Map();
  for (const r of all.vendor) {
    if (!r.path.startsWith(OPS_PATH) || !r.ok) continue;
    try {
      const e = JSON.parse(r.body);
      if (e && typeof e.id === "string") ops.set(e.id, { id: e.id, type: String(e.type), data: e.data ?? {} });
    } catch {
      /* not JSON: nothing to learn */
    }
  }
  const driftCounts = judgeDrift({ drift, instances: morOf, mor: received.mor, ops: [...ops.values()], effectId: morEffectId, problems });

  const totals = {
    lost: gateway.eventsLost + PARTNERS.reduce((n, p) => n + partners[p].lost, 0),
    doubled: gateway.eventsDoubled + PARTNERS.reduce((n, p) => n + partners[p].doubled, 0),
    misordered: gateway.eventsMisordered + PARTNERS.reduce((n, p) => n + partners[p].misordered, 0),
  };
  const ok =
    totals.lost === 0 &&
    totals.doubled === 0 &&
    totals.misordered === 0 &&
    deliveries.pending === 0 &&
    gateway.stateMismatch === 0 &&
    gateway.unacknowledged === 0 &&
    callCounts.serverErrors === 0 &&
    callCounts.badSignatures === 0 &&
    callCounts.lateRefused === 0 &&
    driftOk(driftCounts);
  return { ok, partners, gateway, deliveries, calls: callCounts, deadLetters, drift: driftCounts, totals, problems: problems.lines() };
}

/** @param {Received[]} list @returns {PartnerCounts} */
function emptyCounts(list) {
  return {
    expected: 0,
    effects: 0,
    requests: list.length,
    refused: list.filter((r) => r.injected).length,
    slow: list.filter((r) => r.slow).length,
    resends: 0,
    lost: 0,
    doubled: 0,
    misordered: 0,
  };
}

/**
 * @param {PartnerCounts} counts
 * @param {{lost: number, doubled: number, misordered: number}} cmp
 * @param {Problems} problems
 * @param {string} line
 */
function tally(counts, cmp, problems, line) {
  counts.lost += cmp.lost;
  counts.doubled += cmp.doubled;
  counts.misordered += cmp.misordered;
  if (cmp.lost || cmp.doubled || cmp.misordered) problems.add(cmp.lost ? "lost" : cmp.doubled ? "doubled" : "misordered", line);
}

/**
 * First acceptance of each effect id, in arrival order, and every request after it (re-sends).
 * @param {Received[]} list
 * @param {(r: Received) => string|null} idOf
 * @param {(r: Received) => boolean} accepted
 */
function effectsOf(list, idOf, accepted) {
  /** @type {string[]} */
  const order = [];
  const seen = new Set();
  let resends = 0;
  /** @type {Array<{id: string, resend: boolean}>} */
  const arrivals = [];
  for (const r of list) {
    const id = idOf(r);
    if (id === null) continue;
    if (seen.has(id)) {
      resends += 1;
      arrivals.push({ id, resend: true });
      continue;
    }
    if (accepted(r)) {
      seen.add(id);
      order.push(id);
      arrivals.push({ id, resend: false });
    }
  }
  return { order, resends, arrivals };
}

/** The list with each run of equal neighbours kept once. @param {string[]} list */
function collapse(list) {
  return list.filter((x, i) => i === 0 || x !== list[i - 1]);
}

/** MOR effect identity (see the module comment). @param {Received} r */
function morEffectId(r) {
  const method = r.path.slice(MOR_PREFIX.length);
  const form = new URLSearchParams(r.body);
  const sub = form.get("subscription_id") ?? "";
  if (method === "subscription_update") return `update:${sub}:${form.get("subscription_activation_end") ?? ""}`;
  if (method === "subscription_delete") return `delete:${sub}:${form.get("subscription_delete_action") ?? ""}`;
  return null;
}

/**
 * The MOR effect an event implies: renewed moves the activation end to the new expiry, expired to
 * the moment it froze, resumed back to the instance's expiry (or until canceled), released deletes
 * (MOR_DELETE_ACTION 1, the run's setting).
 * @param {string} type
 * @param {string} sub
 * @param {{occurredAt: string, seq: number}|undefined} event the gateway's event for it
 * @param {number} index  position in the lifecycle
 * @param {import("./workload.mjs").InstancePlan} plan
 * @param {InstanceView} view
 * @param {Map<string, {expiresAt: string|null}>} vendorPayload
 */
function expectedMorEffect(type, sub, event, index, plan, view, vendorPayload) {
  if (type === "instance.released") return `delete:${sub}:1`;
  if (type === "instance.expired") return `update:${sub}:${event ? Math.floor(Date.parse(event.occurredAt) / 1000) : "?"}`;
  if (type === "instance.resumed") {
    // The instance's end as it stands (the vendor payload of the same event carries it); none: until canceled.
    const vendorDelivery = event ? view.deliveries.find((d) => d.connector === "vendor" && d.eventSeq === event.seq) : undefined;
    const payload = vendorDelivery ? vendorPayload.get(vendorDelivery.deliveryId) : undefined;
    if (!payload) return `update:${sub}:?`;
    return `update:${sub}:${payload.expiresAt ? Math.floor(Date.parse(payload.expiresAt) / 1000) : ""}`;
  }
  // Renewed: KooGallery names the new expiry; ActivePlatform's is computed by the gateway, and the
  // vendor payload of the same event carries it.
  const step = plan.steps[index];
  let expiresAt = step?.expireTime
    ? `${step.expireTime.slice(0, 4)}-${step.expireTime.slice(4, 6)}-${step.expireTime.slice(6, 8)}T${step.expireTime.slice(8, 10)}:${step.expireTime.slice(10, 12)}:${step.expireTime.slice(12, 14)}Z`
    : null;
  if (!expiresAt && event) {
    const vendorDelivery = view.deliveries.find((d) => d.connector === "vendor" && d.eventSeq === event.seq);
    expiresAt = vendorDelivery ? (vendorPayload.get(vendorDelivery.deliveryId)?.expiresAt ?? null) : null;
  }
  return `update:${sub}:${expiresAt ? Math.floor(Date.parse(expiresAt) / 1000) : "?"}`;
}

/**
 * Pairs each expected event type with the gateway's event for it, in order (greedy by type).
 * @param {string[]} expectedTypes
 * @param {InstanceView["events"]} events oldest first
 */
function alignEvents(expectedTypes, events) {
  let from = 0;
  return expectedTypes.map((type, index) => {
    const at = events.findIndex((e, i) => i >= from && e.type === type);
    if (at >= 0) from = at + 1;
    return { type, index, event: at >= 0 ? events[at] : undefined };
  });
}

/**
 * Lost (expected, never seen), doubled (seen more often than expected, or never expected) and
 * misordered (seen, but out of the expected order) between two sequences of labels.
 * @param {string[]} expected
 * @param {string[]} actual
 */
export function compareSequences(expected, actual) {
  const want = counts(expected);
  const got = counts(actual);
  let lost = 0;
  let doubled = 0;
  for (const [k, n] of want) lost += Math.max(0, n - (got.get(k) ?? 0));
  for (const [k, n] of got) doubled += Math.max(0, n - (want.get(k) ?? 0));
  // Order is judged on what both sides have: each label up to the smaller of its two counts.
  const keep = (/** @type {string[]} */ list) => {
    const used = new Map();
    return list.filter((k) => {
      const n = (used.get(k) ?? 0) + 1;
      used.set(k, n);
      return n <= Math.min(want.get(k) ?? 0, got.get(k) ?? 0);
    });
  };
  const a = keep(expected);
  const b = keep(actual);
  return { lost, doubled, misordered: a.length - lcs(a, b) };
}

/** @param {string[]} list */
function counts(list) {
  const m = new Map();
  for (const k of list) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** @param {string[]} a @param {string[]} b */
function lcs(a, b) {
  const row = new Array(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = a[i - 1] === b[j - 1] ? prev + 1 : Math.max(row[j], row[j - 1]);
      prev = tmp;
    }
  }
  return row[b.length];
}

/** @param {number[]} xs */
function longestIncreasing(xs) {
  /** @type {number[]} */
  const tails = [];
  for (const x of xs) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = x;
  }
  return tails.length;
}

/** The gateway's KooDrive trace id for a delivery (src/connectors/koodrive/trace-id.ts). @param {string} deliveryId */
export function traceIdFor(deliveryId) {
  return createHash("sha256").update(deliveryId).digest("hex").slice(0, 58);
}

/** Problem lines, at most a few of each kind, with a count of the rest. */
class Problems {
  /** @type {Map<string, string[]>} */
  #byKind = new Map();
  /** @type {Map<string, number>} */
  #extra = new Map();
  /** @param {string} kind @param {string} line */
  add(kind, line) {
    const list = this.#byKind.get(kind) ?? [];
    if (list.length < 5) list.push(line);
    else this.#extra.set(kind, (this.#extra.get(kind) ?? 0) + 1);
    this.#byKind.set(kind, list);
  }
  lines() {
    const out = [];
    for (const [kind, list] of this.#byKind) {
      out.push(...list);
      const extra = this.#extra.get(kind);
      if (extra) out.push(`… and ${extra} more of the kind "${kind}"`);
    }
    return out;
  }
}
