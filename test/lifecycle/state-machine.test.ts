/**
 * The lifecycle rules on their own: every action against every state, the renewal arithmetic and
 * the user-event names. Expected values are written out by hand from the rules (docs/contract.md
 * lifecycle table, docs/activeplatform.md §A.8 renew), never computed with the code under test.
 */
import { describe, expect, it } from "vitest";
import { addPeriod, decide, eventTypeFor, extendExpiry, type Decision } from "../../src/lifecycle/state-machine";
import type { InstanceEventType, InstanceRecord, InstanceState, LifecycleAction, LifecycleCommand } from "../../src/lifecycle/types";
import { instanceRecord } from "../support/instance-record";

const NOW = new Date("2026-03-10T12:00:00.000Z");
const EXPIRY = "2026-04-01T00:00:00.000Z";
const PLAN = { sku: "basic", seats: 5 };

function instance(state: InstanceState, over: Partial<InstanceRecord> = {}): InstanceRecord {
  return instanceRecord({ state, plan: { ...PLAN }, expiresAt: EXPIRY, version: 3, ...over });
}

function command(action: LifecycleAction, over: Partial<LifecycleCommand> = {}): LifecycleCommand {
  return {
    instanceKey: "koogallery:i-1",
    source: "koogallery",
    externalId: "i-1",
    action,
    eventKey: `k:${action}`,
    keyScope: "state",
    test: false,
    origin: { system: "koogallery", activity: action, raw: {} },
    answer: {},
    ...over,
  };
}

const apply = (eventType: InstanceEventType, from: InstanceState | null, to: InstanceState, expiresAt: string | null, plan: object): Decision =>
  ({ kind: "apply", eventType, from, to, expiresAt, plan }) as Decision;
const noop = (state: InstanceState): Decision => ({ kind: "noop", state });
const unknown: Decision = { kind: "reject", reason: "unknown_instance", message: "instance i-1 does not exist" };
const released: Decision = { kind: "reject", reason: "released", message: "instance i-1 was released" };
const illegal = (action: string, state: string): Decision => ({
  kind: "reject",
  reason: "illegal_transition",
  message: `cannot ${action} an instance that is ${state}`,
});

describe("decide: every action against every state", () => {
  // The command each action is tried with: provision and renew bring an absolute expiry and a
  // plan, update brings a plan patch, the target-state actions bring nothing else.
  const commands: Record<LifecycleAction, LifecycleCommand> = {
    provision: command("provision", { expiresAt: "2027-01-01T00:00:00.000Z", plan: { sku: "pro" } }),
    renew: command("renew", { expiresAt: "2027-01-01T00:00:00.000Z", plan: { seats: 10 } }),
    update: command("update", { plan: { sku: "pro" } }),
    suspend: command("suspend"),
    resume: command("resume"),
    expire: command("expire"),
    release: command("release"),
  };
  const renewed = { sku: "basic", seats: 10 };
  const updated = { sku: "pro", seats: 5 };
  const NEW_EXPIRY = "2027-01-01T00:00:00.000Z";

  const rows: Array<[LifecycleAction, InstanceState | null, Decision]> = [
    ["provision", null, apply("instance.provisioned", null, "active", NEW_EXPIRY, { sku: "pro" })],
    ["provision", "active", noop("active")],
    ["provision", "suspended", noop("suspended")],
    ["provision", "expired", noop("expired")],
    ["provision", "released", noop("released")],

    ["renew", null, unknown],
    ["renew", "active", apply("instance.renewed", "active", "active", NEW_EXPIRY, renewed)],
    // A renewal of a suspended instance renews it but does not lift the suspension.
    ["renew", "suspended", apply("instance.renewed", "suspended", "suspended", NEW_EXPIRY, renewed)],
    // A renewal of an expired (frozen) instance reactivates it.
    ["renew", "expired", apply("instance.renewed", "expired", "active", NEW_EXPIRY, renewed)],
    ["renew", "released", released],

    ["update", null, unknown],
    ["update", "active", apply("instance.updated", "active", "active", EXPIRY, updated)],
    ["update", "suspended", apply("instance.updated", "suspended", "suspended", EXPIRY, updated)],
    ["update", "expired", apply("instance.updated", "expired", "expired", EXPIRY, updated)],
    ["update", "released", released],

    ["suspend", null, unknown],
    ["suspend", "active", apply("instance.suspended", "active", "suspended", EXPIRY, PLAN)],
    ["suspend", "suspended", noop("suspended")],
    ["suspend", "expired", illegal("suspend", "expired")],
    ["suspend", "released", released],

    ["resume", null, unknown],
    ["resume", "active", noop("active")],
    ["resume", "suspended", apply("instance.resumed", "suspended", "active", EXPIRY, PLAN)],
    ["resume", "expired", apply("instance.resumed", "expired", "active", EXPIRY, PLAN)],
    ["resume", "released", released],

    ["expire", null, unknown],
    ["expire", "active", apply("instance.expired", "active", "expired", EXPIRY, PLAN)],
    ["expire", "suspended", apply("instance.expired", "suspended", "expired", EXPIRY, PLAN)],
    ["expire", "expired", noop("expired")],
    ["expire", "released", released],

    ["release", null, unknown],
    ["release", "active", apply("instance.released", "active", "released", EXPIRY, PLAN)],
    ["release", "suspended", apply("instance.released", "suspended", "released", EXPIRY, PLAN)],
    ["release", "expired", apply("instance.released", "expired", "released", EXPIRY, PLAN)],
    // A repeated release is a success without effect, so late KooGallery retries answer 000000.
    ["release", "released", noop("released")],
  ];

  it("covers the whole matrix", () => {
    expect(rows).toHaveLength(7 * 5);
  });

  it.each(rows)("%s on %s", (action, state, expected) => {
    expect(decide(state === null ? null : instance(state), commands[action], NOW)).toEqual(expected);
  });
});

describe("decide: provision", () => {
  it("defaults to no expiry and an empty plan", () => {
    expect(decide(null, command("provision"), NOW)).toEqual(apply("instance.provisioned", null, "active", null, {}));
  });

  it("keeps an explicit null expiry (does not expire)", () => {
    expect(decide(null, command("provision", { expiresAt: null, plan: { sku: "x" } }), NOW)).toEqual(
      apply("instance.provisioned", null, "active", null, { sku: "x" }),
    );
  });
});

describe("decide: renew", () => {
  const rows: Array<[string, InstanceRecord, Partial<LifecycleCommand>, Decision]> = [
    [
      "absolute expiry replaces the current one (control)",
      instance("active"),
      { expiresAt: "2026-12-31T23:59:59.000Z" },
      apply("instance.renewed", "active", "active", "2026-12-31T23:59:59.000Z", PLAN),
    ],
    [
      "absolute expiry may move the expiry earlier (the marketplace is authoritative)",
      instance("active"),
      { expiresAt: "2026-03-20T00:00:00.000Z" },
      apply("instance.renewed", "active", "active", "2026-03-20T00:00:00.000Z", PLAN),
    ],
    [
      "absolute null expiry makes the instance non-expiring",
      instance("active"),
      { expiresAt: null },
      apply("instance.renewed", "active", "active", null, PLAN),
    ],
    [
      "extendBy extends from a current expiry still in the future",
      instance("active", { expiresAt: "2026-03-31T00:00:00.000Z" }),
      { extendBy: { value: 1, unit: "Month" } },
      apply("instance.renewed", "active", "active", "2026-04-30T00:00:00.000Z", PLAN),
    ],
    [
      "extendBy on an expired instance extends from now and reactivates it",
      instance("expired", { expiresAt: "2026-02-01T00:00:00.000Z" }),
      { extendBy: { value: 1, unit: "Month" } },
      apply("instance.renewed", "expired", "active", "2026-04-10T12:00:00.000Z", PLAN),
    ],
    [
      "extendBy on a suspended instance keeps it suspended",
      instance("suspended"),
      { extendBy: { value: 10, unit: "Day" } },
      apply("instance.renewed", "suspended", "suspended", "2026-04-11T00:00:00.000Z", PLAN),
    ],
    [
      "extendBy wins over an absolute expiry given alongside",
      instance("active"),
      { extendBy: { value: 1, unit: "Year" }, expiresAt: "2030-01-01T00:00:00.000Z" },
      apply("instance.renewed", "active", "active", "2027-04-01T00:00:00.000Z", PLAN),
    ],
    [
      "extendBy on an instance without expiry is rejected",
      instance("active", { expiresAt: null }),
      { extendBy: { value: 1, unit: "Month" } },
      { kind: "reject", reason: "no_expiry", message: "Subscription must have an expiration date to be eligible for renew." },
    ],
    [
      "absolute expiry on an instance without expiry is accepted",
      instance("active", { expiresAt: null }),
      { expiresAt: "2027-01-01T00:00:00.000Z" },
      apply("instance.renewed", "active", "active", "2027-01-01T00:00:00.000Z", PLAN),
    ],
    ["released wins over no_expiry", instance("released", { expiresAt: null }), { extendBy: { value: 1, unit: "Month" } }, released],
    [
      "plan fields are merged over the stored plan",
      instance("active"),
      { expiresAt: EXPIRY, plan: { seats: 20, period: { value: 1, type: "Year" } } },
      apply("instance.renewed", "active", "active", EXPIRY, { sku: "basic", seats: 20, period: { value: 1, type: "Year" } }),
    ],
  ];

  it.each(rows)("%s", (_label, current, over, expected) => {
    expect(decide(current, command("renew", over), NOW)).toEqual(expected);
  });
});

describe("decide: update", () => {
  const stored = { sku: "basic", resources: [{ key: "users", quantity: 5 }], period: { value: 1, type: "Month" } };
  const rows: Array<[string, Partial<LifecycleCommand>, object]> = [
    ["without a plan keeps the plan (control)", {}, stored],
    ["adds new fields", { plan: { upgradeOrderId: "O-2" } }, { ...stored, upgradeOrderId: "O-2" }],
    ["replaces a field", { plan: { sku: "pro" } }, { ...stored, sku: "pro" }],
    // Shallow merge: a nested object or array in the patch replaces the stored one as a whole.
    ["replaces nested values whole", { plan: { period: { type: "Year" } } }, { ...stored, period: { type: "Year" } }],
    ["replaces arrays whole", { plan: { resources: [] } }, { ...stored, resources: [] }],
  ];

  it.each(rows)("%s", (_label, over, plan) => {
    expect(decide(instance("active", { plan: structuredClone(stored) }), command("update", over), NOW)).toEqual(
      apply("instance.updated", "active", "active", EXPIRY, plan),
    );
  });

  it("ignores an expiry on the command: update never moves the expiry", () => {
    const d = decide(instance("active"), command("update", { expiresAt: "2030-01-01T00:00:00.000Z" }), NOW);
    expect(d).toEqual(apply("instance.updated", "active", "active", EXPIRY, PLAN));
  });

  it("does not modify the stored record", () => {
    const current = instance("active");
    decide(current, command("update", { plan: { sku: "pro" } }), NOW);
    expect(current.plan).toEqual({ sku: "basic", seats: 5 });
  });
});

describe("eventTypeFor", () => {
  const rows: Array<[InstanceEventType, string, string]> = [
    ["instance.provisioned", "instance.provisioned", "user.created"],
    ["instance.updated", "instance.updated", "user.updated"],
    ["instance.resumed", "instance.resumed", "user.activated"],
    ["instance.suspended", "instance.suspended", "user.deactivated"],
    ["instance.released", "instance.released", "user.deleted"],
    // Users are never renewed nor expired; those keep their instance names.
    ["instance.renewed", "instance.renewed", "instance.renewed"],
    ["instance.expired", "instance.expired", "instance.expired"],
  ];

  it.each(rows)("%s: instance → %s, user → %s", (type, forInstance, forUser) => {
    expect(eventTypeFor("instance", type)).toBe(forInstance);
    expect(eventTypeFor("user", type)).toBe(forUser);
  });
});

describe("addPeriod", () => {
  const rows: Array<[string, string, number, "Day" | "Month" | "Year", string]> = [
    ["mid-month + 1 month (control)", "2026-01-15T08:30:00.000Z", 1, "Month", "2026-02-15T08:30:00.000Z"],
    ["Jan 31 + 1 month = Feb 28", "2026-01-31T10:00:00.000Z", 1, "Month", "2026-02-28T10:00:00.000Z"],
    ["Jan 31 + 1 month = Feb 29 in a leap year", "2028-01-31T10:00:00.000Z", 1, "Month", "2028-02-29T10:00:00.000Z"],
    ["Mar 31 + 1 month = Apr 30", "2026-03-31T00:00:00.000Z", 1, "Month", "2026-04-30T00:00:00.000Z"],
    ["Aug 31 + 6 months = Feb 28", "2026-08-31T00:00:00.000Z", 6, "Month", "2027-02-28T00:00:00.000Z"],
    ["Aug 31 + 6 months = Feb 29 into a leap year", "2027-08-31T00:00:00.000Z", 6, "Month", "2028-02-29T00:00:00.000Z"],
    ["Nov 30 + 3 months = Feb 28", "2026-11-30T00:00:00.000Z", 3, "Month", "2027-02-28T00:00:00.000Z"],
    ["Dec 31 + 1 month rolls the year", "2026-12-31T00:00:00.000Z", 1, "Month", "2027-01-31T00:00:00.000Z"],
    ["Jan 31 + 12 months = Jan 31", "2026-01-31T00:00:00.000Z", 12, "Month", "2027-01-31T00:00:00.000Z"],
    ["Feb 28 + 1 month does not stretch to Mar 31", "2026-02-28T00:00:00.000Z", 1, "Month", "2026-03-28T00:00:00.000Z"],
    ["time of day is kept to the millisecond", "2026-01-31T23:59:59.999Z", 1, "Month", "2026-02-28T23:59:59.999Z"],
    ["Feb 29 + 1 year = Feb 28", "2028-02-29T00:00:00.000Z", 1, "Year", "2029-02-28T00:00:00.000Z"],
    ["Feb 29 + 4 years = Feb 29", "2028-02-29T00:00:00.000Z", 4, "Year", "2032-02-29T00:00:00.000Z"],
    ["Mar 10 + 1 year (control)", "2026-03-10T12:00:00.000Z", 1, "Year", "2027-03-10T12:00:00.000Z"],
    ["Jun 30 + 2 years", "2026-06-30T06:00:00.000Z", 2, "Year", "2028-06-30T06:00:00.000Z"],
    ["+1 day (control)", "2026-03-10T12:00:00.000Z", 1, "Day", "2026-03-11T12:00:00.000Z"],
    ["Feb 27 + 2 days = Mar 1", "2026-02-27T00:00:00.000Z", 2, "Day", "2026-03-01T00:00:00.000Z"],
    ["Feb 28 + 1 day = Feb 29 in a leap year", "2028-02-28T00:00:00.000Z", 1, "Day", "2028-02-29T00:00:00.000Z"],
    ["Dec 31 + 1 day rolls the year", "2026-12-31T00:00:00.000Z", 1, "Day", "2027-01-01T00:00:00.000Z"],
    ["Jan 31 + 30 days = Mar 2 (days are not clamped)", "2026-01-31T00:00:00.000Z", 30, "Day", "2026-03-02T00:00:00.000Z"],
    ["+365 days across a leap day", "2028-01-01T00:00:00.000Z", 365, "Day", "2028-12-31T00:00:00.000Z"],
  ];

  it.each(rows)("%s", (_label, start, value, unit, expected) => {
    expect(addPeriod(new Date(start), { value, unit }).toISOString()).toBe(expected);
  });

  it("does not modify its start date", () => {
    const start = new Date("2026-01-31T00:00:00.000Z");
    addPeriod(start, { value: 1, unit: "Month" });
    expect(start.toISOString()).toBe("2026-01-31T00:00:00.000Z");
  });
});

describe("extendExpiry", () => {
  // now is 2026-03-10T12:00:00.000Z
  const rows: Array<[string, string | null, number, "Day" | "Month" | "Year", string]> = [
    ["from a future expiry", "2026-03-31T00:00:00.000Z", 1, "Month", "2026-04-30T00:00:00.000Z"],
    ["from a future expiry, in days", "2026-04-01T00:00:00.000Z", 30, "Day", "2026-05-01T00:00:00.000Z"],
    ["from a future expiry, in years", "2026-04-01T00:00:00.000Z", 1, "Year", "2027-04-01T00:00:00.000Z"],
    ["from now when the expiry has passed (a late renewal loses no days)", "2026-01-31T00:00:00.000Z", 1, "Month", "2026-04-10T12:00:00.000Z"],
    ["from now when the expiry is exactly now", "2026-03-10T12:00:00.000Z", 1, "Day", "2026-03-11T12:00:00.000Z"],
    ["from now when there is no expiry", null, 1, "Month", "2026-04-10T12:00:00.000Z"],
    ["from now when the expiry is empty", "", 1, "Month", "2026-04-10T12:00:00.000Z"],
    ["from now when the expiry is not a date", "not-a-date", 1, "Month", "2026-04-10T12:00:00.000Z"],
    ["an expiry with an offset is read as the instant it names", "2026-03-31T02:00:00+02:00", 1, "Month", "2026-04-30T00:00:00.000Z"],
  ];

  it.each(rows)("%s", (_label, current, value, unit, expected) => {
    expect(extendExpiry(current, { value, unit }, NOW)).toBe(expected);
  });
});
