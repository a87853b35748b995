/**
 * Each case starts from a valid call and breaks one thing; every answer is a signed KooGallery
 * body (HTTP 200), never a 5xx, and nothing is written.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signV1Query, signV2, v1TimeStamp } from "../../../tools/lib/koogallery-signer.mjs";
import { details } from "../../support/instances";
import { ACCESS_KEY, BASE, expectSigned, send, unique, v1, v1Url, v2, v2Request } from "../../support/koogallery";

const newV1 = (orderId: string) => ({
  activity: "newInstance",
  businessId: crypto.randomUUID(),
  customerId: "c1",
  orderId,
  productId: "P1",
  testFlag: "0",
});

async function expectNoInstanceForOrder(orderId: string, generation: "v1" | "v2" = "v1") {
  const { instanceIdForOrder } = await import("../../../src/marketplaces/koogallery/commands");
  const id = await instanceIdForOrder(generation === "v1" ? `${orderId}:P1` : `${orderId}:${orderId}-1`);
  expect(await details(`koogallery:${id}`)).toBeNull();
}

describe("KooGallery V1 authentication", () => {
  it("a valid call passes (control)", async () => {
    const orderId = unique("OK");
    expectSigned(await v1(newV1(orderId)), "000000");
  });

  it("wrong key -> 000001, nothing written", async () => {
    const orderId = unique("BAD");
    const url = `${BASE}?${signV1Query("another-key", { timeStamp: v1TimeStamp(), ...newV1(orderId) })}`;
    expectSigned(await send(url), "000001");
    await expectNoInstanceForOrder(orderId);
  });

  it("a parameter changed after signing -> 000001", async () => {
    const orderId = unique("BAD");
    const url = v1Url(newV1(orderId)).replace("productId=P1", "productId=P2");
    expectSigned(await send(url), "000001");
    await expectNoInstanceForOrder(orderId);
  });

  it("a parameter added after signing -> 000001", async () => {
    const orderId = unique("BAD");
    expectSigned(await send(`${v1Url(newV1(orderId))}&extra=1`), "000001");
  });

  it("missing timeStamp -> 000001", async () => {
    const url = v1Url(newV1(unique("BAD"))).replace(/timeStamp=\d+&?/, "");
    const answer = await send(url);
    expectSigned(answer, "000001");
    expect(answer.body.resultMsg).toContain("timeStamp");
  });

  it("no authentication at all -> 000001", async () => {
    expectSigned(await send(`${BASE}?activity=newInstance&orderId=1`), "000001");
  });

  it("an authToken whose '+' arrived as a space still verifies", async () => {
    // Find a signed query whose token has a '+', then send it raw so form decoding turns it into a space.
    for (let i = 0; i < 50; i++) {
      const orderId = unique("PLUS");
      const query = signV1Query(ACCESS_KEY, { timeStamp: v1TimeStamp(), ...newV1(orderId) });
      const token = decodeURIComponent(/authToken=([^&]+)/.exec(query)![1]!);
      if (!token.includes("+")) continue;
      const raw = query.replace(/authToken=[^&]+/, `authToken=${token.replace(/\//g, "%2F").replace(/=/g, "%3D")}`);
      expectSigned(await send(`${BASE}?${raw}`), "000000");
      return;
    }
    throw new Error("no token with '+' in 50 tries");
  });
});

describe("KooGallery V1 parameters", () => {
  it.each([
    [
      "missing orderId",
      (p: Record<string, string>) => {
        delete p.orderId;
      },
      "orderId",
    ],
    [
      "oversized orderId",
      (p: Record<string, string>) => {
        p.orderId = "x".repeat(65);
      },
      "orderId",
    ],
    [
      "malformed expireTime",
      (p: Record<string, string>) => {
        p.expireTime = "2025-01-01";
      },
      "expireTime",
    ],
    [
      "impossible expireTime",
      (p: Record<string, string>) => {
        p.expireTime = "20251340000000";
      },
      "expireTime",
    ],
  ])("%s -> 000002 naming the parameter", async (_name, mutate, param) => {
    const params = newV1(unique("P"));
    mutate(params);
    const answer = await v1(params);
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toContain(param);
  });

  it("unknown activity -> 000002", async () => {
    const answer = await v1({ activity: "deleteEverything", instanceId: "x" });
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toContain("unknown activity");
  });

  it("instanceStatus with an unknown status -> 000002", async () => {
    expectSigned(await v1({ activity: "instanceStatus", instanceId: "x", instanceStatus: "PAUSED" }), "000002");
  });

  it("a V1 call sent as POST -> 000002", async () => {
    const answer = await send(new Request(v1Url(newV1(unique("P"))), { method: "POST", body: "{}" }));
    expectSigned(answer, "000002");
  });

  it("queryInstance with more than 100 ids -> 000002", async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `id-${i}`).join(",");
    expectSigned(await v1({ activity: "queryInstance", instanceId: ids }), "000002");
  });
});

describe("KooGallery V2 authentication and body", () => {
  const freeze = () => ({ activity: "updateInstanceStatus", instanceId: unique("i-"), status: "FREEZE" });

  it("wrong key -> 000001", async () => {
    expectSigned(await send(v2Request(freeze(), { key: "another-key" })), "000001");
  });

  it("body changed after signing -> 000001", async () => {
    const signed = v2Request(freeze());
    const body = (await signed.text()).replace("FREEZE", "UNFREEZE");
    expectSigned(await send(new Request(signed.url, { method: "POST", headers: signed.headers, body })), "000001");
  });

  it("uppercase signature is accepted", async () => {
    const body = JSON.stringify({ activity: "newInstance", businessId: "b", orderId: unique("U"), orderLineId: "l" });
    const { query } = signV2(ACCESS_KEY, body);
    const upper = query.replace(/signature=([0-9a-f]+)/, (_m, s: string) => `signature=${s.toUpperCase()}`);
    expectSigned(await send(new Request(`${BASE}?${upper}`, { method: "POST", headers: { "Content-Type": "application/json" }, body })), "000000");
  });

  it.each([
    ["too old", () => String(Date.now() - 61_000)],
    ["too far in the future", () => String(Date.now() + 61_000)],
    ["not a number", () => "20250101"],
  ])("timestamp %s -> 000001", async (_n, stamp) => {
    const answer = await send(v2Request(freeze(), { timestamp: stamp() }));
    expectSigned(answer, "000001");
    expect(answer.body.resultMsg).toMatch(/timestamp/);
  });

  it("missing nonce -> 000001", async () => {
    const signed = v2Request(freeze());
    const url = signed.url.replace(/&nonce=[^&]+/, "");
    expectSigned(await send(new Request(url, { method: "POST", headers: signed.headers, body: await signed.text() })), "000001");
  });

  it("malformed JSON (correctly signed) -> 000002", async () => {
    const answer = await send(v2Request('{"activity":"newInstance",'));
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toMatch(/JSON/);
  });

  it("a JSON array body -> 000002", async () => {
    expectSigned(await send(v2Request("[1,2]")), "000002");
  });

  it("wrong content type -> 000002", async () => {
    const answer = await send(v2Request(freeze(), { contentType: "text/plain" }));
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toMatch(/Content-Type/);
  });

  it("body over the limit -> 000002, without buffering it", async () => {
    const answer = await send(v2Request({ activity: "newInstance", pad: "x".repeat(70 * 1024) }));
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toMatch(/too large/);
  });

  it("missing mandatory field names it -> 000002, nothing written", async () => {
    const orderId = unique("M");
    const answer = await v2({ activity: "newInstance", businessId: "b", orderId });
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toContain("orderLineId");
  });

  it("a V2 call sent as GET -> 000002", async () => {
    const signed = v2Request(freeze());
    expectSigned(await send(new Request(signed.url, { method: "GET" })), "000002");
  });

  it("unknown V2 activity -> 000002", async () => {
    expectSigned(await v2({ activity: "changeInstanceCheck", instanceId: "x", productInfo: "y" }), "000002");
  });
});

describe("routing and configuration", () => {
  it("an unknown route is a JSON 404", async () => {
    const res = await exports.default.fetch(new Request("https://gateway.test/nowhere"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "no such route" } });
  });

  it("/healthz reports version and connectors, never secrets", async () => {
    const res = await exports.default.fetch(new Request("https://gateway.test/healthz"));
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ version: expect.any(String), connectors: [] });
    expect(text).not.toContain(ACCESS_KEY);
    expect(text).not.toContain("test-admin-token");
  });

  it("a missing access key answers 000005 naming the setting", async () => {
    const { handleKooGallery } = await import("../../../src/marketplaces/koogallery/handler");
    const { env } = await import("cloudflare:workers");
    const { createExecutionContext } = await import("cloudflare:test");
    const res = await handleKooGallery(new Request(v1Url(newV1(unique("C")))), { ...env, KOOGALLERY_ACCESS_KEY: "" }, createExecutionContext());
    const body = (await res.json()) as { resultCode: string; resultMsg: string };
    expect(body).toEqual({ resultCode: "000005", resultMsg: "configuration KOOGALLERY_ACCESS_KEY is not set" });
  });
});

describe("parameter messages", () => {
  it("a wrong type is reported as invalid, not as missing", async () => {
    const answer = await v2({ activity: "updateInstanceStatus", instanceId: 42, status: "FREEZE" });
    expectSigned(answer, "000002");
    expect(answer.body.resultMsg).toMatch(/^invalid parameter instanceId/);
  });
});
