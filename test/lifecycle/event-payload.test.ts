/**
 * The vendor payload snapshot (docs/contract.md "Vendor webhook payload"): which instance and origin
 * facts it carries, and where FORWARD_PERSONAL_DATA applies.
 */
import { describe, expect, it } from "vitest";
import { eventSnapshot } from "../../src/lifecycle/event-payload";
import type { EventOrigin, InstanceRecord } from "../../src/lifecycle/types";
import { instanceRecord } from "../support/instance-record";

const instance: InstanceRecord = instanceRecord({
  state: "expired",
  plan: { sku: "basic", contact: { email: "a@x.test" } },
  expiresAt: "2026-04-01T00:00:00.000Z",
  refs: { "mor.subscriptionId": "42" },
  appInfo: { password: "never-in-payload" },
  version: 2,
  updatedAt: "2026-03-01T00:00:00.000Z",
});

const origin: EventOrigin = {
  system: "koogallery",
  activity: "expireInstance",
  orderId: "O-1",
  raw: { activity: "expireInstance", instanceId: "i-1", orderId: "O-1", email: "b@x.test", customerName: "demo" },
};

const base = { type: "instance.expired" as const, occurredAt: "2026-03-10T12:00:00.000Z", test: true, instance, origin };

describe("eventSnapshot", () => {
  const rows: Array<[string, boolean, object]> = [
    [
      "strips personal data from plan and raw by default",
      false,
      {
        type: "instance.expired",
        occurredAt: "2026-03-10T12:00:00.000Z",
        test: true,
        instance: {
          key: "koogallery:i-1",
          source: "koogallery",
          id: "i-1",
          state: "expired",
          expiresAt: "2026-04-01T00:00:00.000Z",
          plan: { sku: "basic" },
          refs: { "mor.subscriptionId": "42" },
        },
        source: { system: "koogallery", activity: "expireInstance", orderId: "O-1", raw: { activity: "expireInstance", instanceId: "i-1", orderId: "O-1" } },
      },
    ],
    [
      "forwards them when FORWARD_PERSONAL_DATA is on",
      true,
      {
        type: "instance.expired",
        occurredAt: "2026-03-10T12:00:00.000Z",
        test: true,
        instance: {
          key: "koogallery:i-1",
          source: "koogallery",
          id: "i-1",
          state: "expired",
          expiresAt: "2026-04-01T00:00:00.000Z",
          plan: { sku: "basic", contact: { email: "a@x.test" } },
          refs: { "mor.subscriptionId": "42" },
        },
        source: {
          system: "koogallery",
          activity: "expireInstance",
          orderId: "O-1",
          raw: { activity: "expireInstance", instanceId: "i-1", orderId: "O-1", email: "b@x.test", customerName: "demo" },
        },
      },
    ],
  ];

  it.each(rows)("%s (app info, version and timestamps are never part of it)", (_label, forwardPersonalData, expected) => {
    expect(eventSnapshot({ ...base, forwardPersonalData })).toEqual(expected);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
  ])("leaves orderId out when the origin's is %s", (_label, orderId) => {
    const snapshot = eventSnapshot({ ...base, origin: { ...origin, orderId }, forwardPersonalData: false });
    expect(Object.keys(snapshot.source)).toEqual(["system", "activity", "raw"]);
  });
});
