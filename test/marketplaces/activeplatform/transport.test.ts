/**
 * What is refused before a call reaches an instance: path secret, method, ap_guid allow-list,
 * event path, body size, JSON and schema. Each case starts from a valid call, breaks one thing,
 * and checks the documented status, the exact error body, and that nothing was written.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../../src/bindings";
import { handleActivePlatform } from "../../../src/marketplaces/activeplatform/handler";
import {
  answerOf,
  apRequest,
  call,
  createBody,
  createSubscription,
  details,
  expectedExternalId,
  expectTaskError,
  ORIGIN,
  PATH_SECRET,
  seedRenewBody,
  send,
  unique,
} from "../../support/activeplatform";

/** An env whose Durable Object namespace fails the test if touched at all. */
function envWithoutInstances(extra: Partial<Bindings> = {}): Bindings {
  const untouchable = new Proxy({} as Bindings["INSTANCES"], {
    get() {
      throw new Error("a Durable Object was called");
    },
  });
  return { ...env, ...extra, INSTANCES: untouchable };
}

const direct = async (request: Request, e: Bindings) => answerOf(await handleActivePlatform(request, e, createExecutionContext()));

/** The would-be instance of a create body stays unwritten. */
async function expectNoSubscription(apGuid: string, subscriptionId: string): Promise<void> {
  expect(await details(`activeplatform:${expectedExternalId(apGuid, subscriptionId)}`)).toBeNull();
}

afterEach(() => vi.restoreAllMocks());

describe("ActivePlatform path secret", () => {
  it("a wrong secret is the same bare 404 as a route that does not exist, and creates nothing", async () => {
    const sub = unique("S");
    const wrong = await call("subscription/create", createBody(sub), { secret: "test-path-secret-0123456789abcdeX" });
    const nowhere = await send(new Request(`${ORIGIN}/no-such-route`, { method: "POST", body: "{}" }));
    expect(wrong.status).toBe(404);
    expect(wrong.text).toBe(nowhere.text);
    expect(wrong.text).not.toContain("task");
    expect(wrong.text).not.toContain(PATH_SECRET);
    await expectNoSubscription("ap-guid-test", sub);
  });

  it("wrong, empty, prefix-only and missing secrets cost no Durable Object call", async () => {
    const e = envWithoutInstances();
    const body = createBody(unique("S"));
    for (const secret of ["nope", PATH_SECRET.slice(0, -1), `${PATH_SECRET}x`, PATH_SECRET.toUpperCase()]) {
      const answer = await direct(apRequest("subscription/create", body, { secret }), e);
      expect(answer.status, secret).toBe(404);
    }
    for (const url of [`${ORIGIN}/activeplatform`, `${ORIGIN}/activeplatform/`, `${ORIGIN}/activeplatform//subscription/create`]) {
      expect((await direct(new Request(url, { method: "POST", body: JSON.stringify(body) }), e)).status, url).toBe(404);
    }
  });

  it("the right secret reaches the route (control for the cases above)", async () => {
    await createSubscription();
  });

  it("a missing secret setting answers 503 naming the setting, never a value", async () => {
    const answer = await direct(apRequest("subscription/create", createBody(unique("S"))), envWithoutInstances({ ACTIVEPLATFORM_PATH_SECRET: "" }));
    expectTaskError(answer, 503, "configuration ACTIVEPLATFORM_PATH_SECRET is not set");
  });
});

describe("ActivePlatform ap_guid allow-list", () => {
  const allowing = (list: string) => ({ ...env, ACTIVEPLATFORM_ALLOWED_AP_GUIDS: list });

  it("an ap_guid outside the list is 403 with the task body, before any Durable Object call", async () => {
    const sub = unique("S");
    const answer = await direct(
      apRequest("subscription/create", createBody(sub), { apGuid: "guid-x" }),
      envWithoutInstances({ ACTIVEPLATFORM_ALLOWED_AP_GUIDS: "guid-a, guid-b" }),
    );
    expectTaskError(answer, 403, "unknown installation");
    await expectNoSubscription("guid-x", sub);
  });

  it("a missing ap_guid is 403 when the list is set", async () => {
    const answer = await direct(
      apRequest("subscription/renew", seedRenewBody("x"), { apGuid: null }),
      envWithoutInstances({ ACTIVEPLATFORM_ALLOWED_AP_GUIDS: "guid-a" }),
    );
    expectTaskError(answer, 403, "unknown installation: ap_guid is missing");
  });

  it("a listed ap_guid (any letter case) is served", async () => {
    const sub = unique("S");
    const answer = await direct(apRequest("subscription/create", createBody(sub), { apGuid: "GUID-B" }), allowing("guid-a,guid-b"));
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toEqual({ external_id: expectedExternalId("GUID-B", sub) });
  });

  it("with no list configured, a call without ap_guid is served (create documents no query)", async () => {
    const sub = unique("S");
    const answer = await call("subscription/create", createBody(sub), { apGuid: null, resellerId: null });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.external_id).toBe(expectedExternalId("", sub));
  });
});

describe("ActivePlatform request checks", () => {
  it("an event path we do not implement is 501 with the task body", async () => {
    const answer = await call("subscription/usage", { external_id: "x" });
    expectTaskError(answer, 501, "event path not implemented: subscription/usage");
    expectTaskError(await call("nothing", {}), 501, "event path not implemented: nothing");
  });

  it("GET is 405 with Allow: POST", async () => {
    const answer = await call("subscription/create", null, { method: "GET" });
    expectTaskError(answer, 405, "method GET is not allowed; use POST");
    expect(answer.headers.get("Allow")).toBe("POST");
  });

  it("malformed JSON is 400 and writes nothing", async () => {
    const sub = unique("S");
    const text = JSON.stringify(createBody(sub)).slice(0, -1);
    expectTaskError(await call("subscription/create", null, { rawBody: text }), 400, "request body is not valid JSON");
    await expectNoSubscription("ap-guid-test", sub);
  });

  it("an empty body, an array and null are 400", async () => {
    expectTaskError(await call("subscription/create", null, { rawBody: "" }), 400, "request body is not valid JSON");
    expectTaskError(await call("subscription/create", [createBody(unique("S"))]), 400, "request body must be a JSON object");
    expectTaskError(await call("subscription/create", null), 400, "request body must be a JSON object");
  });

  it("wrong types are 400 naming the field, and write nothing", async () => {
    const sub = unique("S");
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { plan: { ...createBody(sub).plan, period: { value: "1", type: "Month" } } },
        "invalid field plan.period.value: Invalid input: expected number, received string",
      ],
      [{ plan: { ...createBody(sub).plan, period: { value: 1, type: "Fortnight" } } }, "invalid field plan.period.type: must be Day, Month or Year"],
      [
        { plan: { ...createBody(sub).plan, resources: [{ key: "users", quantity: -1 }] } },
        "invalid field plan.resources.0.quantity: Too small: expected number to be >=0",
      ],
      [{ subscription: { id: true } }, "invalid field subscription.id: must be a string or a whole number"],
      [{ plan: "Team" }, "invalid field plan: Invalid input: expected object, received string"],
    ];
    for (const [override, message] of cases) {
      expectTaskError(await call("subscription/create", createBody(sub, override)), 400, message);
    }
    expectTaskError(await call("subscription/create", createBody(sub, { subscription: undefined })), 400, "missing field: subscription");
    await expectNoSubscription("ap-guid-test", sub);
  });

  it("a renew without external_id is 400 and the subscription is untouched", async () => {
    const { key, externalId } = await createSubscription();
    const { external_id: _omitted, ...body } = seedRenewBody(externalId);
    expectTaskError(await call("subscription/renew", body), 400, "missing field: external_id");
    expectTaskError(await call("subscription/stop", { reseller: {} }), 400, "missing field: external_id");
    expectTaskError(
      await call("subscription/renew", { ...body, external_id: 42 }),
      400,
      "invalid field external_id: Invalid input: expected string, received number",
    );
    const d = await details(key);
    expect(d?.instance.version).toBe(1);
    expect(d?.events).toHaveLength(1);
  });

  it("a body over 64 KiB is 413 and writes nothing, whether declared or streamed", async () => {
    const sub = unique("S");
    const huge = createBody(sub, { padding: "x".repeat(70 * 1024) });
    expectTaskError(await call("subscription/create", huge), 413, "request body too large (limit 65536 bytes)");
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify(huge)));
        c.close();
      },
    });
    const chunked = new Request(`${ORIGIN}/activeplatform/${PATH_SECRET}/subscription/create?ap_guid=ap-guid-test`, { method: "POST", body: stream });
    expectTaskError(await send(chunked), 413, "request body too large (limit 65536 bytes)");
    await expectNoSubscription("ap-guid-test", sub);
  });

  it("query values over 128 characters are 400", async () => {
    const answer = await call("subscription/create", createBody(unique("S")), { resellerId: "9".repeat(129) });
    expectTaskError(answer, 400, "invalid query parameter reseller_id: longer than 128 characters");
  });
});

describe("ActivePlatform call log", () => {
  it("logs ap_guid, reseller_id, event and outcome for every call, and no personal data", async () => {
    // Logged as objects (Workers Logs indexes their fields), not as JSON strings.
    const logged: unknown[] = [];
    vi.spyOn(console, "log").mockImplementation((entry: unknown) => void logged.push(entry));
    const email = `${unique("pat")}@customer.example`;
    await call("user/create", { email, password: "s3cret-pw", first_name: "Patricia", last_name: "Smithers" }, { apGuid: "guid-log", resellerId: "77" });
    await call("subscription/create", createBody(unique("S")), { apGuid: "guid-log", resellerId: "77" });
    await call("subscription/create", createBody(unique("S")), { secret: "wrong-secret-value", apGuid: "guid-log", resellerId: "77" });
    const entries = logged.filter(
      (l): l is Record<string, unknown> => typeof l === "object" && l !== null && (l as { route?: unknown }).route === "activeplatform",
    );
    expect(entries.map((e) => [e.event, e.ap_guid, e.reseller_id, e.status, e.outcome])).toEqual([
      ["user.create", "guid-log", "77", 201, "applied"],
      ["subscription.create", "guid-log", "77", 201, "applied"],
      ["subscription.create", "guid-log", "77", 404, "not_found"],
    ]);
    const all = JSON.stringify(logged);
    for (const secret of [email, "s3cret-pw", "Patricia", "Smithers", "jane.roe@customer.example", "Jane", "+15550100", "wrong-secret-value", PATH_SECRET]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe("ActivePlatform routing", () => {
  it("the Worker routes /activeplatform/* to the adapter and leaves other paths alone", async () => {
    const res = await exports.default.fetch(new Request(`${ORIGIN}/activeplatformx/${PATH_SECRET}/subscription/create`, { method: "POST", body: "{}" }));
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("task");
  });
});
