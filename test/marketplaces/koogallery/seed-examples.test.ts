/**
 * What KooGallery actually sends: the partner pages' own example requests, in their literal
 * shape (docs/koogallery.md §3), signed with the independent signer. Where an example leaves out
 * a field its table marks mandatory and the gateway does not need it to act, the call is accepted.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { signV1Query, signV2 } from "../../../tools/lib/koogallery-signer.mjs";
import { details } from "../../support/instances";
import { ACCESS_KEY, BASE, expectSigned, newInstanceV1, newInstanceV2, send, unique, v1, v2, v2Request } from "../../support/koogallery";

/** The Expiration page's example timeStamp. */
const SEED_TIMESTAMP = "20170725025113409";

/** authToken of `params` as the independent signer computes it. */
const tokenFor = (params: Record<string, string>): string => new URLSearchParams(signV1Query(ACCESS_KEY, params)).get("authToken")!;

describe("KooGallery V1 Expiration page example (expireInstance)", () => {
  it("is accepted as printed: no orderId, testFlag=0, a raw '+' in authToken, a space before &timeStamp", async () => {
    // The page's call is stamped 2017-07-25; the instance must exist before it, or the gateway
    // rightly answers the older call without applying it.
    const { instanceId } = await newInstanceV1({ timeStamp: "20170724000000000" });
    // As printed: `...&instanceId=<id> &timeStamp=...&testFlag=0&authToken=09lsS5y+KCtx...`. The URL
    // parser sends the space as %20, which the servlet decodes back into the signed value.
    let url: string | null = null;
    for (let ms = 0; ms < 200 && !url; ms++) {
      const timeStamp = String(BigInt(SEED_TIMESTAMP) + BigInt(ms));
      const token = tokenFor({ activity: "expireInstance", instanceId: `${instanceId} `, timeStamp, testFlag: "0" });
      if (token.includes("+")) url = `${BASE}?activity=expireInstance&instanceId=${instanceId} &timeStamp=${timeStamp}&testFlag=0&authToken=${token}`;
    }
    expect(url).not.toBeNull();
    expect(url).toContain(" &timeStamp=");
    const answer = await send(url!);
    expectSigned(answer, "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("expired");
    expect(d?.events.map((e) => e.type)).toEqual(["instance.expired", "instance.provisioned"]);
    // A repeat is still a success without a second freeze.
    expectSigned(await v1({ activity: "expireInstance", instanceId, testFlag: "0" }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.events).toHaveLength(2);
  });

  it("releaseInstance without orderId is accepted too (the gateway acts on instanceId)", async () => {
    const { instanceId } = await newInstanceV1();
    expectSigned(await v1({ activity: "releaseInstance", instanceId, testFlag: "0" }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("released");
  });

  it("an id with surrounding spaces still names the instance", async () => {
    const { instanceId } = await newInstanceV1();
    expectSigned(await v1({ activity: "expireInstance", instanceId: ` ${instanceId} `, orderId: " CS1 " }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("expired");
  });
});

describe("KooGallery V1 newInstance table (docs/koogallery.md §3.1)", () => {
  it("customerName absent, testFlag absent, a 17-digit expireTime: accepted", async () => {
    const orderId = unique("CS");
    const answer = await v1({
      activity: "newInstance",
      businessId: crypto.randomUUID(),
      customerId: "c1",
      orderId,
      productId: "P1",
      expireTime: "20270201000000123",
    });
    expectSigned(answer, "000000");
    const d = await details(`koogallery:${String(answer.body.instanceId)}`);
    expect(d?.instance.expiresAt).toBe("2027-02-01T00:00:00.000Z");
    expect(d?.instance.test).toBe(false);
  });

  it("an empty expireTime (pay-per-use has none) is no expiry, not an invalid parameter", async () => {
    const orderId = unique("CS");
    const answer = await v1({ activity: "newInstance", businessId: crypto.randomUUID(), customerId: "c1", orderId, productId: "P1", expireTime: "" });
    expectSigned(answer, "000000");
    expect((await details(`koogallery:${String(answer.body.instanceId)}`))?.instance.expiresAt).toBeNull();
  });
});

describe("KooGallery V2 Releasing an Instance page example (releaseInstance)", () => {
  it('the example body as printed (testFlag "0", orderId and orderLineId) releases', async () => {
    const { instanceId } = await newInstanceV2();
    // The page's curl body, byte for byte, with our instance id in place of the masked one.
    const body = `{"activity":"releaseInstance","instanceId":"${instanceId}","orderId":"CS22111********VS","orderLineId":"CS221118*******S-000001","testFlag":"0"}`;
    expectSigned(await send(v2Request(body)), "000000");
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("released");
    expect(d?.instance.test).toBe(false);
  });

  it("without the optional orderId and orderLineId, and without testFlag, it releases", async () => {
    const { instanceId } = await newInstanceV2();
    expectSigned(await v2({ activity: "releaseInstance", instanceId }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("released");
  });

  it("optional fields sent as null are absent, not invalid", async () => {
    const { instanceId } = await newInstanceV2();
    expectSigned(await v2({ activity: "releaseInstance", instanceId, orderId: null, orderLineId: null, testFlag: null }), "000000");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("released");
  });

  it("testFlag as a number (some tables type it Integer): 1 is a debug call, 0 is not", async () => {
    const debug = await newInstanceV2({ testFlag: 1 as unknown as string });
    expect((await details(`koogallery:${debug.instanceId}`))?.instance.test).toBe(true);
    const real = await newInstanceV2({ testFlag: 0 as unknown as string });
    expect((await details(`koogallery:${real.instanceId}`))?.instance.test).toBe(false);
  });
});

describe("deeply nested V2 bodies", () => {
  afterEach(() => vi.restoreAllMocks());
  // Arrays nest in two bytes a level, so the body stays under the 64 KiB limit.
  const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

  it("a signature that does not match the raw body and cannot be re-serialised is 000001, not 000005", async () => {
    const errors = vi.spyOn(console, "error");
    const body = `{"activity":"releaseInstance","instanceId":"x","deep":${nested(30_000)}}`;
    // Signed over something else, so the raw check fails and the canonical fallback runs.
    const signed = signV2(ACCESS_KEY, "{}");
    const answer = await send(new Request(`${BASE}?${signed.query}`, { method: "POST", headers: { "Content-Type": "application/json" }, body }));
    expectSigned(answer, "000001");
    expect(errors).not.toHaveBeenCalled();
  });

  it("a correctly signed body nested beyond the limit is 000002, and nothing is written", async () => {
    const { instanceId } = await newInstanceV2();
    const body = `{"activity":"releaseInstance","deep":${nested(30_000)},"instanceId":"${instanceId}"}`;
    const errors = vi.spyOn(console, "error");
    const answer = await send(v2Request(body));
    expectSigned(answer, "000002");
    expect(errors).not.toHaveBeenCalled();
    expect(answer.body.resultMsg).toMatch(/nested/);
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("active");
  });

  it("moderate nesting (well inside the limit) in an unknown field is still accepted", async () => {
    const { instanceId } = await newInstanceV2();
    expectSigned(await send(v2Request(`{"activity":"releaseInstance","extra":${nested(10)},"instanceId":"${instanceId}"}`)), "000000");
  });
});
