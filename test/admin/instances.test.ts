import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleAdmin } from "../../src/admin/handler";
import { InstanceDetailsResponse, InstanceResponse } from "../../src/admin/schemas";
import type { InstanceRecord } from "../../src/lifecycle/types";
import { expectSigned, unique, v1, v1Stamp } from "../support/koogallery";
import { adminRequest, call, provisioned, read, seedDelivery, stubFor, type ErrorAnswer } from "./support";

type Details = ReturnType<typeof InstanceDetailsResponse.parse>;

const APP_INFO = {
  frontEndUrl: "https://tenant-42.app.example.test/",
  adminUrl: "https://tenant-42.app.example.test/admin",
  userName: "buyer.person@example.com",
  password: "Sup3r-Secret-Pa55",
  memo: "first login changes the password",
};

describe("GET /admin/instances/{key}", () => {
  it("shows state, plan, expiry, refs, history and deliveries, matching its schema", async () => {
    const { instanceId, key } = await provisioned();
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20280201000000" }), "000000");
    const deliveryId = await seedDelivery(key, { status: "dead", excerpt: '{"code":"E1","accessToken":"tok-live-123456"}' });

    const answer = await call<Details>(`/instances/${encodeURIComponent(key)}`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(answer.headers.get("Cache-Control")).toBe("no-store");
    const body = InstanceDetailsResponse.parse(answer.body);
    expect(body.instance).toMatchObject({
      key,
      source: "koogallery",
      externalId: instanceId,
      state: "active",
      expiresAt: "2028-02-01T00:00:00.000Z",
      refs: {},
    });
    expect(body.instance.plan.productId).toBe("OFFI000000000000000001");
    expect(body.events.map((e) => e.type)).toEqual(["instance.renewed", "instance.provisioned"]);
    const delivery = body.deliveries.find((d) => d.deliveryId === deliveryId);
    expect(delivery).toMatchObject({ status: "dead", connector: "vendor", attempts: 1, reason: "partner answered 400: invalid request" });
    expect(delivery?.attemptLog).toHaveLength(1);
    // A token in a partner's answer is masked; the rest of the excerpt stays readable.
    expect(delivery?.attemptLog[0]?.excerpt).toBe('{"code":"E1","accessToken":"********"}');
    expect(answer.text).not.toContain("tok-live-123456");
    expect(body.personalData).toBe("withheld");
  });

  it("shows the latest marketplace time the instance accepted a call at, and no owner for KooGallery", async () => {
    const { instanceId, key } = await provisioned();
    const at = Date.now() + 5_000;
    expectSigned(await v1({ activity: "instanceStatus", instanceId, instanceStatus: "FREEZE", timeStamp: v1Stamp(at) }), "000000");
    const body = InstanceDetailsResponse.parse((await call<Details>(`/instances/${encodeURIComponent(key)}`)).body);
    expect(body.instance).toMatchObject({ state: "expired", marketTime: new Date(at).toISOString(), owner: null });
  });

  it("accepts the key raw or percent-encoded", async () => {
    const { key } = await provisioned();
    const raw = await call<Details>(`/instances/${key}`);
    const encoded = await call<Details>(`/instances/${key.replace(":", "%3A")}`);
    const lower = await call<Details>(`/instances/${key.replace(":", "%3a")}`);
    expect(raw.status).toBe(200);
    expect(encoded.text).toBe(raw.text);
    expect(lower.text).toBe(raw.text);
  });

  it("limit bounds the history; out-of-range limits are 400", async () => {
    const { instanceId, key } = await provisioned();
    expectSigned(await v1({ activity: "refreshInstance", instanceId, orderId: unique("RN"), expireTime: "20280201000000" }), "000000");
    const one = await call<Details>(`/instances/${key}?limit=1`);
    expect(one.body.events.map((e) => e.type)).toEqual(["instance.renewed"]);
    for (const bad of ["0", "201", "x", "1.5"]) {
      const answer = await call<ErrorAnswer>(`/instances/${key}?limit=${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.code).toBe("invalid_request");
      expect(answer.body.error.message).toMatch(/^query\.limit: /);
    }
  });

  it("an unknown instance is 404; a malformed key is 400", async () => {
    const missing = await call<ErrorAnswer>(`/instances/koogallery:${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    for (const bad of ["nope", "stripe:abc", "koogallery:", "koogallery%3Aa%2Fb", "%E0%A4%A"]) {
      const answer = await call<ErrorAnswer>(`/instances/${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.message).toMatch(/^path\.key: /);
    }
  });
});

describe("PUT /admin/instances/{key}/refs", () => {
  it("merges refs and app info; the password is never shown, the user name only with FORWARD_PERSONAL_DATA=true", async () => {
    const { key } = await provisioned();
    const first = await call<ReturnType<typeof InstanceResponse.parse>>(`/instances/${key}/refs`, {
      method: "PUT",
      body: { refs: { "mor.subscriptionId": "42" }, appInfo: APP_INFO },
    });
    expect(first.status, first.text).toBe(200);
    const second = await call<ReturnType<typeof InstanceResponse.parse>>(`/instances/${encodeURIComponent(key)}/refs`, {
      method: "PUT",
      body: { refs: { "koodrive.carrierUserId": "u-1001", "koodrive.packageId": "pkg-7" } },
    });
    const body = InstanceResponse.parse(second.body);
    expect(body.instance.refs).toEqual({ "mor.subscriptionId": "42", "koodrive.carrierUserId": "u-1001", "koodrive.packageId": "pkg-7" });
    expect(body.instance.appInfo).toEqual({ frontEndUrl: APP_INFO.frontEndUrl, adminUrl: APP_INFO.adminUrl, password: "********", memo: APP_INFO.memo });
    expect(body.personalData).toBe("withheld");
    expect(first.text + second.text).not.toContain(APP_INFO.password);
    expect(first.text + second.text).not.toContain(APP_INFO.userName);

    // The object really holds both; only the view hides them.
    const stored = (await stubFor(key).view()) as InstanceRecord | null;
    expect(stored?.appInfo).toMatchObject({ userName: APP_INFO.userName, password: APP_INFO.password });

    const forwarding = await read<Details>(await handleAdmin(adminRequest(`/instances/${key}`), { ...env, FORWARD_PERSONAL_DATA: "true" }));
    expect(forwarding.body.personalData).toBe("included");
    expect(forwarding.body.instance.appInfo).toMatchObject({ userName: APP_INFO.userName, password: "********" });
    expect(forwarding.text).not.toContain(APP_INFO.password);
  });

  it("the merged refs are what the next KooGallery queryInstance sees as app info", async () => {
    const { instanceId, key } = await provisioned();
    await call(`/instances/${key}/refs`, { method: "PUT", body: { refs: {}, appInfo: { frontEndUrl: "https://vendor.example.test/t/9" } } });
    const answer = await v1({ activity: "queryInstance", instanceId });
    expectSigned(answer, "000000");
    expect(JSON.stringify(answer.body)).toContain("https://vendor.example.test/t/9");
  });

  it("an unknown instance is 404", async () => {
    const answer = await call<ErrorAnswer>(`/instances/koogallery:${crypto.randomUUID()}/refs`, {
      method: "PUT",
      body: { refs: { "mor.subscriptionId": "1" } },
    });
    expect(answer.status).toBe(404);
  });

  it.each([
    ["no body", undefined, /^body: a JSON object is required/],
    ["not JSON", "{refs:", /^body: not valid JSON/],
    ["no refs", { appInfo: {} }, /^body\.refs: /],
    ["a number as ref value", { refs: { "mor.subscriptionId": 42 } }, /^body\.refs\.mor\.subscriptionId: /],
    ["an empty ref value", { refs: { "mor.subscriptionId": "" } }, /^body\.refs\.mor\.subscriptionId: /],
    ["a ref name with a space", { refs: { "mor subscription": "1" } }, /^body\.refs/],
    ["an unknown top-level field", { refs: {}, state: "released" }, /^body: /],
    ["an unknown app info field", { refs: {}, appInfo: { token: "x" } }, /^body\.appInfo: /],
    ["a non-http frontEndUrl", { refs: {}, appInfo: { frontEndUrl: "javascript:alert(1)" } }, /^body\.appInfo\.frontEndUrl: /],
  ])("%s is 400 naming the field", async (_name, body, message) => {
    const { key } = await provisioned();
    const answer = await call<ErrorAnswer>(`/instances/${key}/refs`, { method: "PUT", body });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.error.code).toBe("invalid_request");
    expect(answer.body.error.message).toMatch(message);
  });

  it("a body over 64 KiB is 413", async () => {
    const { key } = await provisioned();
    const answer = await call<ErrorAnswer>(`/instances/${key}/refs`, { method: "PUT", body: { refs: { a: "x".repeat(70_000) } } });
    expect(answer.status).toBe(413);
  });

  it("the wrong method on a known path is 405 with Allow", async () => {
    const { key } = await provisioned();
    const answer = await call<ErrorAnswer>(`/instances/${key}/refs`, { method: "POST", body: { refs: {} } });
    expect(answer.status).toBe(405);
    expect(answer.headers.get("Allow")).toBe("PUT");
  });
});
