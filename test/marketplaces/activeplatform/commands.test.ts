/**
 * The pure parts of the adapter: the path table, ids, the renewal key's resend window, periods,
 * change detection and the resource verdict.
 */
import { describe, expect, it } from "vitest";
import {
  alreadyApplied,
  canonicalJson,
  rawOf,
  renewEventKey,
  renewFingerprint,
  resendWindowMs,
  subscriptionGuid,
  userGuid,
  type Current,
} from "../../../src/marketplaces/activeplatform/commands";
import { EVENT_PATHS, eventForPath } from "../../../src/marketplaces/activeplatform/paths";
import { judgeResources } from "../../../src/marketplaces/activeplatform/resources";
import { parseBody, periodOf } from "../../../src/marketplaces/activeplatform/schemas";
import type { InstanceRecord } from "../../../src/lifecycle/types";
import { expectedExternalId, expectedUserId, PATH_SECRET, unkeyedExternalId } from "../../support/activeplatform";
import { instanceRecord } from "../../support/instance-record";

const HOUR = 3_600_000;

describe("event path table", () => {
  it("maps exactly the paths of the issue, both ways", () => {
    expect(Object.values(EVENT_PATHS).sort()).toEqual(
      [
        "subscription/create",
        "subscription/renew",
        "subscription/stop",
        "subscription/activate",
        "subscription/delete",
        "subscription/change",
        "subscription/resource_validation",
        "user/create",
        "user/update",
        "user/activate",
        "user/deactivate",
        "user/delete",
      ].sort(),
    );
    for (const [event, path] of Object.entries(EVENT_PATHS)) expect(eventForPath(path)).toBe(event);
    expect(eventForPath("subscription/renew/")).toBe("subscription.renew");
    expect(eventForPath("subscription/usage")).toBeNull();
    expect(eventForPath("x/subscription/renew")).toBeNull();
  });
});

describe("deterministic ids", () => {
  it("external_id and user id are HMACs keyed with the path secret (node:crypto reference)", async () => {
    expect(await subscriptionGuid(PATH_SECRET, "guid-1", "3007255")).toBe(expectedExternalId("guid-1", "3007255"));
    expect(await subscriptionGuid(PATH_SECRET, null, "3007255")).toBe(expectedExternalId("", "3007255"));
    expect(await userGuid(PATH_SECRET, { apGuid: "g", resellerId: "r" }, " John.Doe@Example.COM ")).toBe(expectedUserId("g", "r", "john.doe@example.com"));
  });

  it("nobody without the secret can compute them from small integers", async () => {
    const id = await subscriptionGuid(PATH_SECRET, "guid-1", "3007255");
    expect(id).not.toBe(unkeyedExternalId("guid-1", "3007255"));
    expect(await subscriptionGuid("another-secret-0123456789abcdef", "guid-1", "3007255")).not.toBe(id);
  });

  it("ap_guid is taken trimmed and case-insensitively, like every ap_guid comparison", async () => {
    expect(await subscriptionGuid(PATH_SECRET, " GUID-1 ", "3007255")).toBe(await subscriptionGuid(PATH_SECRET, "guid-1", "3007255"));
    expect(await userGuid(PATH_SECRET, { apGuid: "G", resellerId: "r" }, "a@b.test")).toBe(
      await userGuid(PATH_SECRET, { apGuid: "g ", resellerId: "r" }, "a@b.test"),
    );
  });

  it("ids are well-formed version-8 UUIDs and separate their inputs unambiguously", async () => {
    const id = await subscriptionGuid(PATH_SECRET, "a", "b:c");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await subscriptionGuid(PATH_SECRET, "a:b", "c")).not.toBe(id);
  });
});

describe("renewal event key", () => {
  const period = { value: 1, unit: "Month" as const };
  const now = Date.parse("2026-03-10T12:00:00.000Z");
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
  const current = (events: Current["events"], complete = true, version = 4): Current => ({ version, plan: {}, events, complete });
  const renewal = (fingerprint: string, seq: number, hoursAgo: number) => ({
    seq,
    type: "instance.renewed",
    eventKey: `activeplatform:renew:${fingerprint}:first`,
    occurredAt: at(hoursAgo),
  });

  it("the first renewal with a fingerprint is keyed 'first'", () => {
    expect(renewEventKey("f1", current([]), period, now)).toBe("activeplatform:renew:f1:first");
    const other = { seq: 2, type: "instance.suspended", eventKey: "x:suspend", occurredAt: at(1) };
    expect(renewEventKey("f1", current([other, renewal("f2", 1, 1)]), period, now)).toBe("activeplatform:renew:f1:first");
  });

  it("a renewal with the same fingerprint inside the window is a resend and gets its key back", () => {
    const other = { seq: 7, type: "instance.suspended", eventKey: "x:suspend", occurredAt: at(1) };
    expect(renewEventKey("f1", current([other, renewal("f1", 5, 23)]), period, now)).toBe("activeplatform:renew:f1:first");
  });

  it("outside the window it is the next renewal, anchored after the previous one", () => {
    expect(renewEventKey("f1", current([renewal("f1", 5, 25)]), period, now)).toBe("activeplatform:renew:f1:after:5");
  });

  it("events of other kinds landing in between do not move the key (racing copies agree)", () => {
    const base = [renewal("f1", 5, 48)];
    const later = [{ seq: 9, type: "instance.renewed", eventKey: "activeplatform:renew:f2:first", occurredAt: at(0) }, ...base];
    expect(renewEventKey("f1", current(later, true, 9), period, now)).toBe(renewEventKey("f1", current(base, true, 5), period, now));
  });

  it("with a truncated history and no match, it falls back to the version", () => {
    expect(renewEventKey("f1", current([], false, 120), period, now)).toBe("activeplatform:renew:f1:v120");
  });

  it("the window is half the period, at most a day", () => {
    expect(resendWindowMs({ value: 1, unit: "Day" })).toBe(12 * HOUR);
    expect(resendWindowMs({ value: 3, unit: "Day" })).toBe(24 * HOUR);
    expect(resendWindowMs({ value: 1, unit: "Year" })).toBe(24 * HOUR);
  });

  it("the fingerprint ignores contact data but not the period", async () => {
    const caller = { apGuid: "g", resellerId: "1" };
    const base = { external_id: "e", subscription: { id: "s" }, plan: { sku: "A", period: { value: 1, type: "Month" } } };
    const f = await renewFingerprint(caller, "e", base);
    expect(await renewFingerprint(caller, "e", { ...base, reseller: { id: 1, company_email: "new@x.test" } })).toBe(f);
    expect(await renewFingerprint(caller, "e", { ...base, plan: { ...base.plan, period: { value: 2, type: "Month" } } })).not.toBe(f);
    expect(await renewFingerprint({ ...caller, resellerId: "2" }, "e", base)).not.toBe(f);
    expect(await renewFingerprint({ ...caller, apGuid: " G " }, "e", base)).toBe(f);
  });
});

describe("periods", () => {
  it("Day, Month, Year (any case) extend; absent, null, zero or Endless mean no expiry", () => {
    expect(periodOf({ value: 2, type: "month" })).toEqual({ value: 2, unit: "Month" });
    expect(periodOf({ value: 1, type: "YEAR" })).toEqual({ value: 1, unit: "Year" });
    expect(periodOf(undefined)).toBeNull();
    expect(periodOf(null)).toBe("endless");
    expect(periodOf({ value: 0, type: "Month" })).toBe("endless");
    expect(periodOf({ type: "Endless" })).toBe("endless");
  });

  it("a Day/Month/Year period without a value is malformed", () => {
    const parsed = parseBody("subscription.renew", { external_id: "e", plan: { period: { type: "Month" } } });
    expect(parsed).toEqual({ ok: false, message: "invalid field plan.period.value: is required for a Day, Month or Year period" });
  });
});

describe("change detection", () => {
  it("a change is a repeat only when every requested field already has that value", () => {
    const stored = { sku: "A", resources: [{ key: "users", quantity: 1 }], period: { type: "Month", value: 1 }, subscriptionId: "s" };
    expect(alreadyApplied(stored, { sku: "A", period: { value: 1, type: "Month" } })).toBe(true);
    expect(alreadyApplied(stored, { resources: [{ key: "users", quantity: 2 }] })).toBe(false);
    expect(alreadyApplied(stored, { name: "new" })).toBe(false);
  });

  it("canonical JSON sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});

describe("raw event", () => {
  it("never keeps the user's password, and records the query identity", () => {
    const raw = rawOf("user.create", { apGuid: "g", resellerId: null }, { email: "a@b.test", password: "pw" });
    expect(raw).toEqual({ email: "a@b.test", event: "user.create", query: { ap_guid: "g", reseller_id: null } });
  });

  it("leaves out the plan of events that put it on the instance, keeps it where it does not", () => {
    const caller = { apGuid: "g", resellerId: "r" };
    const body = { external_id: "e", plan: { sku: "X" }, subscription: { id: "1" } };
    for (const event of ["subscription.create", "subscription.renew", "subscription.change"] as const) {
      expect(rawOf(event, caller, body)).toEqual({ external_id: "e", subscription: { id: "1" }, event, query: { ap_guid: "g", reseller_id: "r" } });
    }
    expect(rawOf("subscription.resource_validation", caller, body).plan).toEqual({ sku: "X" });
  });
});

describe("resource verdict", () => {
  const instance = (state: InstanceRecord["state"]): InstanceRecord =>
    instanceRecord({ key: "activeplatform:e", source: "activeplatform", externalId: "e", state, plan: { resources: [{ key: "users", quantity: 3 }] } });

  it("allows, or names the first problem", () => {
    expect(judgeResources("e", instance("suspended"), [{ key: "users", quantity: 0 }])).toEqual({ allow: true });
    expect(judgeResources("e", instance("released"), [])).toEqual({ allow: false, reason: "subscription e was deleted" });
    expect(
      judgeResources("e", instance("active"), [
        { key: "users", quantity: 1 },
        { key: "users", quantity: -2 },
      ]),
    ).toEqual({
      allow: false,
      reason: "plan.resources[1] (users): quantity must not be negative",
    });
  });
});
