/**
 * Logs are for Workers Logs: one object per inbound call and per delivery attempt (not a JSON
 * string, so its fields are indexed), with the instance, delivery, connector, outcome and time,
 * and without secrets or buyer personal data.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetGates } from "../support/gates";
import { details } from "../support/instances";
import { ACCESS_KEY, newInstanceV1 } from "../support/koogallery";
import { eventually, installPartners, VENDOR_SECRET } from "../support/partners";

beforeEach(async () => {
  installPartners().provisionReply = { refs: { "mor.subscriptionId": "77" }, appInfo: { userName: "tenant-admin", password: "app-password-123" } };
  await resetGates();
});
afterEach(() => vi.restoreAllMocks());

describe("logs", () => {
  it("are one object per inbound call and per delivery attempt, without secrets or personal data", async () => {
    const logged: unknown[][] = [];
    for (const level of ["log", "warn", "error"] as const) vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args));
    const { instanceId } = await newInstanceV1({ email: "buyer@example.com", mobilePhone: "+8613800138000", customerName: "Zhang San" });
    const key = `koogallery:${instanceId}`;
    await eventually(async () => (await details(key))?.deliveries.every((d) => d.status === "delivered"));
    const deliveryId = (await details(key))!.deliveries[0]!.deliveryId;

    const objects = logged.map((args) => args[0]).filter((a): a is Record<string, unknown> => typeof a === "object" && a !== null);
    expect(objects.find((o) => o.route === "koogallery" && o.activity === "newInstance")).toMatchObject({
      instance: key,
      resultCode: "000000",
      ms: expect.any(Number),
    });
    expect(objects.find((o) => o.queue === "deliveries" && o.deliveryId === deliveryId)).toMatchObject({
      instance: key,
      connector: "vendor",
      type: "instance.provisioned",
      outcome: "delivered",
      attempt: 1,
      ms: expect.any(Number),
    });
    // Nothing is logged as a JSON string.
    const jsonStrings = logged.flat().filter((a) => typeof a === "string" && a.trim().startsWith("{"));
    expect(jsonStrings).toEqual([]);
    const text = JSON.stringify(logged);
    for (const secret of [ACCESS_KEY, VENDOR_SECRET, "test-admin-token", "mor-test-secret", "carrier-pass", "app-password-123"])
      expect(text).not.toContain(secret);
    for (const personal of ["buyer@example.com", "8613800138000", "Zhang San", "tenant-admin"]) expect(text).not.toContain(personal);
  });
});
