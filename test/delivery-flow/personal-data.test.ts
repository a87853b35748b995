/**
 * FORWARD_PERSONAL_DATA: off by default (contacts never leave the gateway); on, the vendor gets
 * KooGallery's AES-encrypted contacts decrypted (docs/koogallery.md §2.4 vectors). Whatever the
 * setting, a released instance keeps the facts of its events but no personal data.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../src/bindings";
import type { InstanceDetails, InstanceObject } from "../../src/instance/instance-object";
import { handleAdmin } from "../../src/admin/handler";
import { handleKooGallery } from "../../src/marketplaces/koogallery/handler";
import { adminRequest, read } from "../admin/support";
import { details } from "../support/instances";
import { expectSigned, send, v1Url, unique } from "../support/koogallery";
import { call as apCall, expectedUserId } from "../support/activeplatform";
import { eventually, installPartners, type Partners } from "../support/partners";

let partners: Partners;
beforeEach(() => {
  partners = installPartners();
});
afterEach(() => vi.restoreAllMocks());

// docs/koogallery.md §2.5: enc256("13800000000", iv AbCdEfGh12345678) and enc128 of the same.
const PHONE_256 = "AbCdEfGh12345678EC3zRBKoyiiUJ55c5MkPDQ==";
const PHONE_128 = "AbCdEfGh12345678S1BVeOABEm08gVNvfxceWg==";
const CUSTOMER_ID = "68cbc86abc2018ab880d92f36422fa0e";
const EXTEND_PARAMS = btoa(JSON.stringify([{ name: "companyRegNo", value: "REG-4711" }]));
/** What the vendor's app calls the buyer's login: personal, like the buyer's contacts. */
const APP_USER = "jane.buyer@tenant.example";

const stub = (key: string) => env.INSTANCES.get(env.INSTANCES.idFromName(key));

/** The instance's object reads FORWARD_PERSONAL_DATA from its own env. */
async function setForwarding(key: string, forward: boolean): Promise<void> {
  await runInDurableObject(stub(key), (instance: InstanceObject) => {
    const holder = instance as unknown as { env: Bindings };
    holder.env = { ...holder.env, FORWARD_PERSONAL_DATA: forward ? "true" : "false" };
  });
}

const newInstanceParams = (orderId: string) => ({
  activity: "newInstance",
  businessId: "b",
  customerId: CUSTOMER_ID,
  customerName: "Jane Buyer",
  orderId,
  productId: "P1",
  expireTime: "20270201000000",
  mobilePhone: PHONE_256,
  email: PHONE_128,
  saasExtendParams: EXTEND_PARAMS,
});

async function provision(orderId: string, forward: boolean) {
  const { instanceIdForOrder } = await import("../../src/marketplaces/koogallery/commands");
  const instanceId = await instanceIdForOrder(`${orderId}:P1`);
  const key = `koogallery:${instanceId}`;
  const workerEnv: Bindings = { ...env, FORWARD_PERSONAL_DATA: forward ? "true" : "false" };
  await setForwarding(key, forward);
  const res = await handleKooGallery(new Request(v1Url(newInstanceParams(orderId))), workerEnv, createExecutionContext());
  expect(((await res.json()) as { resultCode: string }).resultCode).toBe("000000");
  const hook = await eventually(async () => partners.of("vendor").find((r) => JSON.parse(r.body).instance.key === key));
  return { instanceId, key, payload: JSON.parse(hook.body) as { source: { raw: Record<string, unknown> } } };
}

/** The instance once every vendor delivery has settled (the other partners are not under test here). */
const vendorSettled = (key: string, count: number) =>
  eventually(async () => {
    const d = await details(key);
    const vendor = d?.deliveries.filter((x) => x.connector === "vendor") ?? [];
    return d && vendor.length >= count && vendor.every((x) => x.status === "delivered") ? d : null;
  });

/** Every stored event payload, as the instance's own table holds it. */
async function storedPayloads(key: string): Promise<string[]> {
  return runInDurableObject(stub(key), (_instance: InstanceObject, state) =>
    state.storage.sql
      .exec<{ payload: string }>("SELECT payload FROM events ORDER BY seq")
      .toArray()
      .map((r) => String(r.payload)),
  );
}

const PERSONAL_VALUES = ["13800000000", PHONE_256, PHONE_128, "Jane Buyer", CUSTOMER_ID, EXTEND_PARAMS, APP_USER];

describe("personal data in vendor webhooks", () => {
  it("is withheld by default: contacts, names, customerId and saasExtendParams", async () => {
    const { payload } = await provision(unique("PD"), false);
    for (const field of ["mobilePhone", "email", "customerName", "customerId", "saasExtendParams"]) expect(payload.source.raw[field], field).toBeUndefined();
    expect(payload.source.raw.orderId).toBeDefined();
  });

  it("is forwarded decrypted (AES-256 then AES-128) when FORWARD_PERSONAL_DATA=true", async () => {
    const { payload } = await provision(unique("PD"), true);
    expect(payload.source.raw.mobilePhone).toBe("13800000000");
    expect(payload.source.raw.email).toBe("13800000000");
    expect(payload.source.raw.customerName).toBe("Jane Buyer");
    expect(payload.source.raw.customerId).toBe(CUSTOMER_ID);
    expect(payload.source.raw.saasExtendParams).toBe(EXTEND_PARAMS);
  });
});

describe("personal data in the vendor's reply", () => {
  beforeEach(() => {
    partners.provisionReply = { appInfo: { frontEndUrl: "https://tenant.example.test/", userName: APP_USER, password: "pw-9" } };
  });

  it("is not kept in the attempt log when FORWARD_PERSONAL_DATA is off (the app info still has it, for queryInstance)", async () => {
    const { key } = await provision(unique("PD"), false);
    const d = await vendorSettled(key, 1);
    expect(d.instance.appInfo.userName).toBe(APP_USER);
    const excerpt = d.deliveries[0]!.attemptLog[0]!.excerpt;
    expect(excerpt).toContain("frontEndUrl");
    expect(excerpt).not.toContain(APP_USER);
    expect(excerpt).not.toContain("pw-9");
  });

  it("is shown in the admin view only with FORWARD_PERSONAL_DATA=true", async () => {
    const { key } = await provision(unique("PD"), true);
    await vendorSettled(key, 1);
    const withheld = await read<Record<string, unknown>>(await handleAdmin(adminRequest(`/instances/${key}`), { ...env, FORWARD_PERSONAL_DATA: "false" }));
    expect(withheld.status).toBe(200);
    expect(withheld.text).toContain("frontEndUrl");
    expect(withheld.text).not.toContain(APP_USER);
    const included = await read<Record<string, unknown>>(await handleAdmin(adminRequest(`/instances/${key}`), { ...env, FORWARD_PERSONAL_DATA: "true" }));
    expect(included.text).toContain(APP_USER);
    expect(included.text).not.toContain("pw-9");
  });
});

describe("release", () => {
  beforeEach(() => {
    partners.provisionReply = { appInfo: { frontEndUrl: "https://tenant.example.test/", userName: APP_USER, password: "pw-9" } };
  });

  it("purges personal data from stored payloads, app info and attempt excerpts, and keeps the facts", async () => {
    const orderId = unique("PD");
    const { instanceId, key } = await provision(orderId, true);
    await vendorSettled(key, 1);
    const renewOrder = unique("RN");
    const renew = { activity: "refreshInstance", instanceId, orderId: renewOrder, expireTime: "20280201000000" };
    expectSigned(await send(v1Url(renew)), "000000");
    await vendorSettled(key, 2);
    const before = (await storedPayloads(key)).join("\n");
    expect(before).toContain("Jane Buyer");

    expectSigned(await send(v1Url({ activity: "releaseInstance", instanceId, orderId })), "000000");

    const d = (await details(key)) as InstanceDetails;
    expect(d.instance.state).toBe("released");
    // The facts: types, times, order ids, delivery outcomes.
    expect(d.events.map((e) => e.type)).toEqual(["instance.released", "instance.renewed", "instance.provisioned"]);
    const payloads = (await storedPayloads(key)).map(
      (p) => JSON.parse(p) as { type: string; occurredAt: string; source: { orderId?: string; activity: string } },
    );
    expect(payloads.map((p) => p.source.orderId)).toEqual([orderId, renewOrder, orderId]);
    expect(payloads.every((p) => typeof p.occurredAt === "string" && p.source.activity)).toBe(true);
    expect(d.deliveries.filter((x) => x.connector === "vendor" && x.status === "delivered").length).toBeGreaterThanOrEqual(2);
    expect(d.instance.appInfo).toEqual({ frontEndUrl: "https://tenant.example.test/" });
    // Not the personal data.
    const stored = JSON.stringify({ payloads, d });
    for (const value of PERSONAL_VALUES) expect(stored, value).not.toContain(value);
  });

  it("a late duplicate after release still gets the answer it got before", async () => {
    const orderId = unique("PD");
    const { instanceId, key } = await provision(orderId, true);
    await vendorSettled(key, 1);
    const renew = { activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20280201000000" };
    expectSigned(await send(v1Url(renew)), "000000");
    expectSigned(await send(v1Url({ activity: "releaseInstance", instanceId, orderId })), "000000");
    const events = (await details(key))!.events.length;

    const again = await send(v1Url(newInstanceParams(orderId)));
    expectSigned(again, "000000");
    expect(again.body.instanceId).toBe(instanceId);
    expect(again.text).not.toContain("userName");
    expectSigned(await send(v1Url(renew)), "000000");
    expectSigned(await send(v1Url({ activity: "releaseInstance", instanceId, orderId })), "000000");
    expect((await details(key))!.events).toHaveLength(events);
  });

  it("a partner answer recorded after release keeps no personal data either", async () => {
    const orderId = unique("PD");
    const { instanceId, key } = await provision(orderId, true);
    await vendorSettled(key, 1);
    // The vendor turns this instance's release away with an answer that names the buyer.
    vi.mocked(globalThis.fetch).mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const body = await request.clone().text();
      if (request.url.startsWith("https://vendor.test/") && body.includes(key) && JSON.parse(body).type === "instance.released") {
        return Response.json({ error: "busy", userName: "late.jane@tenant.example" }, { status: 503 });
      }
      return partners.handle(request);
    });
    expectSigned(await send(v1Url({ activity: "releaseInstance", instanceId, orderId })), "000000");
    const d = await eventually(async () => {
      const now = await details(key);
      const released = now?.deliveries.find((x) => x.connector === "vendor" && x.eventSeq === now.events[0]!.seq);
      return released && released.attempts > 0 ? now : null;
    });
    const log = JSON.stringify(d.deliveries.map((x) => x.attemptLog));
    expect(log).toContain("busy");
    expect(log).not.toContain("late.jane");
  });

  it("purges an ActivePlatform user's e-mail and names on user/delete", async () => {
    const email = `${unique("jane")}@customer.example`;
    const id = expectedUserId("ap-guid-test", "1001", email);
    const key = `activeplatform-user:${id}`;
    await setForwarding(key, true);
    expect((await apCall("user/create", { email, first_name: "Jane", last_name: "Roe" })).status).toBe(201);
    expect((await storedPayloads(key)).join()).toContain(email);
    expect((await apCall("user/delete", { id })).status).toBe(200);
    const stored = (await storedPayloads(key)).join();
    expect(stored).toContain("user.created");
    for (const value of [email, "Jane", "Roe"]) expect(stored, value).not.toContain(value);
  });
});
