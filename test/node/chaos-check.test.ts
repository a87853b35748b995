/**
 * The chaos run's judge and workload rules on hand-made inputs: a verdict that passes a clean run
 * must also catch each kind of failure it exists for.
 */
import { describe, expect, it } from "vitest";
import { compareSequences, judgeRun, traceIdFor, type CallRecord, type InstanceRun, type InstanceView, type Received } from "../../tools/chaos/check.mjs";
import { createPrng } from "../../tools/chaos/prng.mjs";
import { generateWorkload, isoFromExpireTime, lateCopyIsHarmless, type InstancePlan, type Step } from "../../tools/chaos/workload.mjs";

const SUB = "123456789";
const KEY = "koogallery:11111111-2222-8333-8444-555555555555";
const RENEW_EXPIRY = "20270301000000";
const END = String(Date.parse(isoFromExpireTime(RENEW_EXPIRY)) / 1000);
const EXPIRED_AT = "2026-12-02T10:00:05.000Z";
const EXPIRED_END = String(Date.parse(EXPIRED_AT) / 1000);

const step = (n: number, op: string, eventType: string, stateAfter: Step["stateAfter"], extra: Partial<Step> = {}): Step => ({
  n,
  op,
  action: op,
  eventType,
  stateAfter,
  keyKind: "order",
  copies: 1,
  concurrent: false,
  gapMs: 0,
  thinkMs: 0,
  ...extra,
});

/** V1 instance: provision, renew, expire (freeze), release. */
function plan(): InstancePlan {
  const steps = [
    step(0, "provision", "instance.provisioned", "active", { expireTime: "20270201000000" }),
    step(1, "renew", "instance.renewed", "active", { expireTime: RENEW_EXPIRY }),
    step(2, "expire", "instance.expired", "expired", { keyKind: "state" }),
    step(3, "release", "instance.released", "released", { keyKind: "release" }),
  ];
  return {
    index: 0,
    platform: "koogallery-v1",
    label: "v1-000",
    startMs: 0,
    steps,
    late: [],
    expected: { state: "released", eventTypes: steps.map((s) => s.eventType), expiresAt: isoFromExpireTime(RENEW_EXPIRY) },
  };
}

const run = (): InstanceRun => ({ plan: plan(), key: KEY, acknowledged: 4, failure: null, lateDropped: 0 });

function view(): InstanceView {
  const types = ["instance.provisioned", "instance.renewed", "instance.expired", "instance.released"];
  const deliveries: InstanceView["deliveries"] = types.map((_, i) => ({
    deliveryId: `dlv_v${i + 1}`,
    eventSeq: i + 1,
    connector: "vendor",
    status: "delivered",
    reason: null,
    attempts: 1,
  }));
  deliveries.push(
    { deliveryId: "dlv_m2", eventSeq: 2, connector: "mor", status: "delivered", reason: null, attempts: 1 },
    { deliveryId: "dlv_m3", eventSeq: 3, connector: "mor", status: "delivered", reason: null, attempts: 1 },
    { deliveryId: "dlv_m4", eventSeq: 4, connector: "mor", status: "delivered", reason: null, attempts: 1 },
    { deliveryId: "dlv_k3", eventSeq: 3, connector: "koodrive", status: "delivered", reason: null, attempts: 1 },
  );
  return {
    instance: { key: KEY, state: "released", expiresAt: null, refs: { "mor.subscriptionId": SUB } },
    events: types.map((type, i) => ({ seq: i + 1, type, occurredAt: i === 2 ? EXPIRED_AT : `2026-12-02T10:00:0${i}.000Z` })).reverse(),
    deliveries,
  };
}

const received = (over: Partial<Received> & { path: string }): Received => ({
  at: "",
  method: "POST",
  headers: {},
  body: "",
  status: 200,
  ok: true,
  verdict: "ok",
  injected: false,
  fields: {},
  warnings: [],
  ...over,
});
const vendorHit = (id: string, type: string, over: Partial<Received> = {}) =>
  received({ path: "/webhooks", headers: { "webhook-id": id }, body: JSON.stringify({ id, type, instance: { key: KEY, expiresAt: null } }), ...over });
const morUpdate = (end: string, over: Partial<Received> = {}) =>
  received({ path: "/billing/api/subscription_update", body: `u=admin&subscription_id=${SUB}&subscription_activation_end=${end}&hash=x`, ...over });
const morDelete = (over: Partial<Received> = {}) =>
  received({ path: "/billing/api/subscription_delete", body: `u=admin&subscription_id=${SUB}&subscription_delete_action=1&hash=x`, ...over });
const kooHit = (deliveryId: string) =>
  received({ path: "/koodrive/ose/v1/carrier/users/notifyPackageExpire", headers: { "x-traceid": traceIdFor(deliveryId) } });

function cleanPartners() {
  return {
    vendor: [
      vendorHit("dlv_v1", "instance.provisioned", { status: 503, ok: false, injected: true, verdict: "injected" }),
      vendorHit("dlv_v1", "instance.provisioned"),
      vendorHit("dlv_v2", "instance.renewed"),
      vendorHit("dlv_v3", "instance.expired"),
      vendorHit("dlv_v3", "instance.expired", { verdict: "duplicate" }),
      vendorHit("dlv_v4", "instance.released"),
    ],
    koodrive: [kooHit("dlv_k3")],
    mor: [morUpdate(END), morUpdate(EXPIRED_END), morDelete()],
  };
}

const call = (over: Partial<CallRecord> = {}): CallRecord => ({
  label: "v1-000",
  step: 0,
  kind: "first",
  sentAt: 1_000,
  answeredAt: 1_100,
  status: 200,
  code: "000000",
  ok: true,
  serverError: false,
  signed: true,
  ...over,
});

const judge = (partners = cleanPartners(), calls: CallRecord[] = [call()], views = new Map([[KEY, view()]])) =>
  judgeRun({ runs: [run()], views, received: partners, calls, downtimes: [{ killedAt: 10_000, readyAt: 20_000 }], deadLetters: 0 });

/** The fixture's instance after its release: the run brought its MOR subscription back (disabled). */
const RESURRECTED = { id: SUB, status: "disabled", user_id: "0", service_id: "0", subscription_memo: "", subscription_until_canceled: "1" };
const REPAIR_AT = "2026-12-02T10:01:00.000Z";
const opsHit = (id: string, type: string, data: Record<string, unknown>) =>
  received({ path: "/ops", headers: { "webhook-id": id }, body: JSON.stringify({ id, type, occurredAt: REPAIR_AT, data }) });
const driftData = { connector: "mor", instanceKey: KEY, partnerValue: "disabled", instanceValue: "gone", since: REPAIR_AT };

/** The fixture with MOR deliveries timed, plus a repair of the release (a second MOR delivery of event 4). */
function viewWithRepair(repair = true): InstanceView {
  const v = view();
  v.deliveries = v.deliveries.map((d) => (d.connector === "mor" ? { ...d, createdAt: `2026-12-02T10:00:0${d.eventSeq}.000Z` } : d));
  if (repair) v.deliveries.push({ deliveryId: "dlv_m4r", eventSeq: 4, connector: "mor", status: "delivered", reason: null, attempts: 1, createdAt: REPAIR_AT });
  return v;
}

/** A run whose sweeps found the resurrected subscription, re-sent the release, and saw MOR agree. */
function repairedRun(o: { edited?: boolean; announced?: boolean; repair?: boolean; left?: boolean } = {}) {
  const { edited = true, announced = true, repair = true, left = false } = o;
  const partners = cleanPartners();
  if (repair) partners.mor.push(morDelete({ at: "2026-12-02T10:01:01.000Z" }));
  if (announced)
    partners.vendor.push(
      opsHit("ops_dd_1", "instance.drift_detected", driftData),
      opsHit("ops_dr_1", "instance.drift_repaired", { ...driftData, partnerValue: "absent", repairedBy: "resend" }),
    );
  return judgeRun({
    runs: [run()],
    views: new Map([[KEY, viewWithRepair(repair)]]),
    received: partners,
    calls: [call()],
    downtimes: [],
    deadLetters: 0,
    drift: {
      edits: edited ? [{ atMs: 50_000, subscriptionId: SUB, kind: "resurrect", change: { state: "disabled" } }] : [],
      sweeps: [
        {
          phase: "final",
          atMs: 120_000,
          summary: { checked: 1, inAgreement: 0, drifted: 1, repaired: 1, resolved: 0, skipped: 0, errors: 0, cursor: null, done: true },
        },
      ],
      morAtDrain: edited ? [RESURRECTED] : [],
      morAtEnd: left ? [RESURRECTED] : [],
      listed: left ? [{ instanceKey: KEY, connector: "mor", partnerValue: "disabled", instanceValue: "gone" }] : [],
    },
  });
}

describe("chaos verdict: drift", () => {
  it("passes a drift the sweeps found and repaired: the repair re-sends the latest MOR-bound event, for an edited instance", () => {
    const v = repairedRun();
    expect(v.problems).toEqual([]);
    expect(v.drift).toMatchObject({ edits: 1, atDrain: 1, found: 1, repairs: 1, repaired: 1, left: 0, disagreeAtEnd: 0, falseDrifts: 0, badRepairs: 0 });
    expect(v.ok).toBe(true);
  });

  it("fails a repair on an instance that never drifted", () => {
    const v = repairedRun({ edited: false, announced: false });
    expect(v.drift.badRepairs).toBe(1);
    expect(v.problems.join("\n")).toMatch(/repair dlv_m4r .* without drift/);
    expect(v.ok).toBe(false);
  });

  it("fails a drift announced where the run never edited MOR", () => {
    const v = repairedRun({ edited: false });
    expect(v.drift.falseDrifts).toBe(1);
    expect(v.ok).toBe(false);
  });

  it("fails a repair that re-sends an older event than the latest MOR-bound one", () => {
    const partners = cleanPartners();
    partners.vendor.push(
      opsHit("ops_dd_1", "instance.drift_detected", driftData),
      opsHit("ops_dr_1", "instance.drift_repaired", { ...driftData, repairedBy: "resend" }),
    );
    const stale = viewWithRepair(false);
    stale.deliveries.push({ deliveryId: "dlv_m3r", eventSeq: 3, connector: "mor", status: "skipped", reason: null, attempts: 0, createdAt: REPAIR_AT });
    const v = judgeRun({
      runs: [run()],
      views: new Map([[KEY, stale]]),
      received: partners,
      calls: [call()],
      downtimes: [],
      deadLetters: 0,
      drift: {
        edits: [{ atMs: 1, subscriptionId: SUB, kind: "resurrect", change: { state: "disabled" } }],
        sweeps: [],
        morAtDrain: [RESURRECTED],
        morAtEnd: [],
        listed: [],
      },
    });
    expect(v.drift.badRepairs).toBe(1);
    expect(v.ok).toBe(false);
  });

  it("fails drift left at the end, in MOR and in the gateway's drift list", () => {
    const v = repairedRun({ left: true });
    expect(v.drift).toMatchObject({ left: 1, disagreeAtEnd: 1 });
    expect(v.ok).toBe(false);
  });

  it("fails a drift after the drain that no sweep announced", () => {
    const v = repairedRun({ announced: false, repair: false });
    expect(v.drift.missed).toBe(1);
    expect(v.ok).toBe(false);
  });

  it("counts no drift for an edit a later lifecycle effect overwrote", () => {
    const v = judgeRun({
      runs: [run()],
      views: new Map([[KEY, viewWithRepair(false)]]),
      received: cleanPartners(),
      calls: [call()],
      downtimes: [],
      deadLetters: 0,
      drift: { edits: [{ atMs: 1, subscriptionId: SUB, kind: "end", change: { end: 2_200_000_000 } }], sweeps: [], morAtDrain: [], morAtEnd: [], listed: [] },
    });
    expect(v.problems).toEqual([]);
    expect(v.drift).toMatchObject({ edits: 1, atDrain: 0, found: 0, repairs: 0, left: 0 });
    expect(v.ok).toBe(true);
  });
});

describe("chaos verdict", () => {
  it("passes a run where every partner got exactly the implied effects, counting re-sends apart", () => {
    const v = judge();
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.totals).toEqual({ lost: 0, doubled: 0, misordered: 0 });
    expect(v.partners.vendor).toMatchObject({ expected: 4, effects: 4, resends: 1, refused: 1 });
    expect(v.partners.mor).toMatchObject({ expected: 3, effects: 3, resends: 0 });
    expect(v.partners.koodrive).toMatchObject({ expected: 1, effects: 1 });
  });

  it("counts an effect that never reached its partner as lost", () => {
    const partners = cleanPartners();
    partners.koodrive = [];
    const v = judge(partners);
    expect(v.ok).toBe(false);
    expect(v.partners.koodrive.lost).toBe(1);
  });

  it("counts a second id for one event, or an effect no delivery explains, as doubled", () => {
    const partners = cleanPartners();
    partners.vendor.push(vendorHit("dlv_unknown", "instance.expired"));
    partners.mor.splice(2, 0, morUpdate(String(Number(EXPIRED_END) + 7)));
    const v = judge(partners);
    expect(v.partners.vendor.doubled).toBe(1);
    expect(v.partners.mor.doubled).toBe(1);
    expect(v.ok).toBe(false);
  });

  it("counts effects out of order as misordered, and a MOR re-send that undoes a later effect as a second application", () => {
    const swapped = cleanPartners();
    swapped.vendor = [swapped.vendor[1]!, swapped.vendor[3]!, swapped.vendor[2]!, swapped.vendor[5]!];
    expect(judge(swapped).partners.vendor.misordered).toBe(1);

    const reverted = cleanPartners();
    reverted.mor.splice(2, 0, morUpdate(END));
    const v = judge(reverted);
    expect(v.partners.mor.doubled + v.partners.mor.misordered).toBeGreaterThan(0);
    expect(v.ok).toBe(false);

    // The same effect again at once is a re-send (at least once), not a failure.
    const resent = cleanPartners();
    resent.mor.splice(1, 0, resent.mor[0]!);
    const r = judge(resent);
    expect(r.partners.mor.resends).toBe(1);
    expect(r.ok).toBe(true);
  });

  it("fails on an extra gateway event, a wrong final state and a delivery left pending", () => {
    const doubled = view();
    doubled.events.unshift({ seq: 5, type: "instance.expired", occurredAt: EXPIRED_AT });
    doubled.instance.state = "expired";
    doubled.deliveries.push({ deliveryId: "dlv_v5", eventSeq: 5, connector: "vendor", status: "pending", reason: null, attempts: 3 });
    const v = judge(cleanPartners(), [call()], new Map([[KEY, doubled]]));
    expect(v.gateway.eventsDoubled).toBe(1);
    expect(v.gateway.stateMismatch).toBe(1);
    expect(v.deliveries.pending).toBe(1);
    expect(v.ok).toBe(false);
  });

  it("allows a 5xx only while the gateway was down", () => {
    const during = call({ sentAt: 12_000, answeredAt: 12_050, status: 503, ok: false, serverError: true });
    const outside = call({ sentAt: 40_000, answeredAt: 40_050, status: 200, code: "000005", ok: false, serverError: true });
    const v = judge(cleanPartners(), [during, outside]);
    expect(v.calls.serverErrorsInDowntime).toBe(1);
    expect(v.calls.serverErrors).toBe(1);
    expect(v.ok).toBe(false);
  });
});

describe("compareSequences", () => {
  it.each([
    [["a", "b", "c"], ["a", "b", "c"], { lost: 0, doubled: 0, misordered: 0 }],
    [["a", "b", "c"], ["a", "c"], { lost: 1, doubled: 0, misordered: 0 }],
    [["a", "b"], ["a", "b", "b"], { lost: 0, doubled: 1, misordered: 0 }],
    [["a", "b", "c"], ["c", "a", "b"], { lost: 0, doubled: 0, misordered: 1 }],
  ])("%j vs %j", (expected, actual, verdict) => {
    expect(compareSequences(expected, actual)).toEqual(verdict);
  });
});

describe("workload", () => {
  const options = {
    instances: 30,
    spreadMs: 10_000,
    steps: [2, 5] as [number, number],
    thinkMs: [1_100, 2_500] as [number, number],
    lateRate: 0.5,
    staleDuplicates: false,
    baseMs: Date.UTC(2026, 0, 1),
  };

  it("is the same for the same seed and differs for another", () => {
    const a = generateWorkload(createPrng("7").fork("workload"), options);
    expect(generateWorkload(createPrng("7").fork("workload"), options)).toEqual(a);
    expect(generateWorkload(createPrng("8").fork("workload"), options)).not.toEqual(a);
  });

  it("covers all three marketplaces with lifecycles that start with provisioning and never continue after release", () => {
    const plans = generateWorkload(createPrng("7").fork("workload"), options);
    expect(new Set(plans.map((p) => p.platform))).toEqual(new Set(["koogallery-v1", "koogallery-v2", "activeplatform"]));
    for (const p of plans) {
      expect(p.steps[0]!.op).toBe("provision");
      expect(p.steps.slice(0, -1).every((s) => s.stateAfter !== "released")).toBe(true);
      expect(p.steps.every((s) => s.copies >= 1 && s.copies <= 3)).toBe(true);
      expect(p.late.every((l) => l.of < l.at && lateCopyIsHarmless(p.platform, p.steps, l.of, l.at, false) === true)).toBe(true);
    }
  });

  it("schedules a late freeze only while the instance stays frozen, unless stale copies are asked for", () => {
    const steps = [
      step(0, "provision", "instance.provisioned", "active"),
      step(1, "expire", "instance.expired", "expired", { keyKind: "state" }),
      step(2, "resume", "instance.resumed", "active", { keyKind: "state" }),
      step(3, "release", "instance.released", "released", { keyKind: "release" }),
    ];
    expect(lateCopyIsHarmless("koogallery-v2", steps, 1, 2, false)).toBe(false);
    expect(lateCopyIsHarmless("koogallery-v2", steps, 1, 2, true)).toBe("stale");
    expect(lateCopyIsHarmless("activeplatform", steps, 1, 2, true)).toBe(false);
    expect(lateCopyIsHarmless("koogallery-v2", steps, 1, 4, false)).toBe(true);
    expect(lateCopyIsHarmless("koogallery-v2", steps, 0, 3, false)).toBe(true);
  });

  it("keeps ActivePlatform change copies before the plan moves again, and renew copies off deleted subscriptions", () => {
    const steps = [
      step(0, "provision", "instance.provisioned", "active"),
      step(1, "update", "instance.updated", "active", { keyKind: "ap-change" }),
      step(2, "renew", "instance.renewed", "active", { keyKind: "ap-renew", periodMonths: 1 }),
      step(3, "release", "instance.released", "released", { keyKind: "release" }),
    ];
    expect(lateCopyIsHarmless("activeplatform", steps, 1, 2, false)).toBe(false);
    expect(lateCopyIsHarmless("activeplatform", steps, 2, 3, false)).toBe(false);
  });
});
