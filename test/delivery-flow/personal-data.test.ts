/**
 * FORWARD_PERSONAL_DATA: off by default (contacts never leave the gateway); on, the vendor gets
 * KooGallery's AES-encrypted contacts decrypted (koogallery.md §2.4 vectors).
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import type { InstanceObject } from "../../src/instance/instance-object";
import { handleKooGallery } from "../../src/marketplaces/koogallery/handler";
import { v1Url, unique } from "../support/koogallery";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
});
afterEach(() => vi.restoreAllMocks());

// koogallery.md §2.5: enc256("13800000000", iv AbCdEfGh12345678) and enc128 of the same.
const PHONE_256 = "AbCdEfGh12345678EC3zRBKoyiiUJ55c5MkPDQ==";
const PHONE_128 = "AbCdEfGh12345678S1BVeOABEm08gVNvfxceWg==";

async function provision(orderId: string, forward: boolean) {
  const { instanceIdForOrder } = await import("../../src/marketplaces/koogallery/commands");
  const instanceId = await instanceIdForOrder(`${orderId}:P1`);
  const key = `koogallery:${instanceId}`;
  const workerEnv: Bindings = { ...env, FORWARD_PERSONAL_DATA: forward ? "true" : "false" };
  // The instance's object reads the same setting from its own env.
  await runInDurableObject(env.INSTANCES.get(env.INSTANCES.idFromName(key)), (instance: InstanceObject) => {
    const holder = instance as unknown as { env: Bindings };
    holder.env = { ...holder.env, FORWARD_PERSONAL_DATA: forward ? "true" : "false" };
  });
  const url = v1Url({ activity: "newInstance", businessId: "b", customerId: "c", customerName: "Jane Buyer", orderId, productId: "P1", mobilePhone: PHONE_256, email: PHONE_128 });
  const res = await handleKooGallery(new Request(url), workerEnv, createExecutionContext());
  expect(((await res.json()) as { resultCode: string }).resultCode).toBe("000000");
  const hook = await eventually(async () => partners.of("vendor").find((r) => JSON.parse(r.body).instance.key === key));
  return JSON.parse(hook.body) as { source: { raw: Record<string, unknown> } };
}

describe("personal data in vendor webhooks", () => {
  it("is withheld by default", async () => {
    const payload = await provision(unique("PD"), false);
    expect(payload.source.raw.mobilePhone).toBeUndefined();
    expect(payload.source.raw.email).toBeUndefined();
    expect(payload.source.raw.customerName).toBeUndefined();
    expect(payload.source.raw.customerId).toBe("c");
  });

  it("is forwarded decrypted (AES-256 then AES-128) when FORWARD_PERSONAL_DATA=true", async () => {
    const payload = await provision(unique("PD"), true);
    expect(payload.source.raw.mobilePhone).toBe("13800000000");
    expect(payload.source.raw.email).toBe("13800000000");
    expect(payload.source.raw.customerName).toBe("Jane Buyer");
  });
});
