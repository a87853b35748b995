/**
 * GET /entitlements/{key}: the vendor app's read of one instance. Bearer ENTITLEMENTS_TOKEN, 503
 * naming the setting when unset, 404 for an unknown key (without creating its object's storage),
 * no personal data, and a Cache-Control of a few seconds.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { resetGates } from "../support/gates";
import { newInstanceV1 } from "../support/koogallery";
import { installPartners } from "../support/partners";
import { adminOpenApiDocument } from "../../src/admin/openapi";
import { EntitlementResponse } from "../../src/admin/reconcile-schemas";
import { ErrorBody } from "../../src/admin/schemas";

const TOKEN = "test-entitlements-token-0123456789";
const BUYER = { mobilePhone: "+8613800138000", email: "buyer@example.com", customerName: "Zhang San" };

beforeEach(async () => {
  installPartners();
  await resetGates();
});
afterEach(() => vi.restoreAllMocks());

async function get(key: string, token: string | null = TOKEN, bindings = env) {
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request<unknown, IncomingRequestCfProperties>(`https://gateway.test/entitlements/${encodeURIComponent(key)}`, { headers }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe("GET /entitlements/{key}", () => {
  it("answers state, expiry, plan, test and updatedAt without personal data, cacheable for a few seconds only", async () => {
    const { instanceId } = await newInstanceV1(BUYER);
    const key = `koogallery:${instanceId}`;
    const answer = await get(key);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["expiresAt", "key", "plan", "state", "test", "updatedAt"]);
    expect(body).toMatchObject({ key, state: "active", expiresAt: "2027-02-01T00:00:00.000Z", test: false });
    for (const value of Object.values(BUYER)) expect(answer.text).not.toContain(value);
    expect(answer.text).not.toContain("68cbc86abc2018ab880d92f36422fa0e");
    const cacheControl = answer.headers.get("cache-control") ?? "";
    expect(cacheControl).toMatch(/private/);
    expect(Number(/max-age=(\d+)/.exec(cacheControl)?.[1])).toBeLessThanOrEqual(5);
    // The edge copy (keyed without the token) is served only to a caller with the token.
    expect((await get(key)).status).toBe(200);
    expect((await get(key, "wrong-token-wrong-token-wrong")).status).toBe(401);
  });

  it("refuses a missing or wrong token alike, and is closed (503 naming the setting) while ENTITLEMENTS_TOKEN is unset", async () => {
    const { instanceId } = await newInstanceV1();
    const key = `koogallery:${instanceId}`;
    const missing = await get(key, null);
    const wrong = await get(key, "not-the-entitlements-token-at-all");
    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe(missing.text);
    expect(JSON.parse(wrong.text)).toEqual({ error: { code: "unauthorized", message: "unauthorized" } });
    const closed = await get(key, TOKEN, { ...env, ENTITLEMENTS_TOKEN: "" });
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.text).error.message).toContain("ENTITLEMENTS_TOKEN");
  });

  it("answers 404 JSON for an unknown key and leaves no storage behind", async () => {
    const key = `koogallery:unknown-${crypto.randomUUID()}`;
    const answer = await get(key);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toEqual({ error: { code: "not_found", message: "no such instance" } });
    const tables = await runInDurableObject(env.INSTANCES.get(env.INSTANCES.idFromName(key)), (_o, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables).toEqual([]);
  });

  it("answers only what the OpenAPI document describes: the Entitlement schema exactly, and documented error statuses", async () => {
    const doc = adminOpenApiDocument() as unknown as { paths: Record<string, { get: { responses: Record<string, unknown> } }> };
    const documented = Object.keys(doc.paths["/entitlements/{key}"]!.get.responses);
    const { instanceId } = await newInstanceV1(BUYER);
    const answers = [
      await get(`koogallery:${instanceId}`),
      await get(`koogallery:${instanceId}`, null),
      await get(`koogallery:unknown-${crypto.randomUUID()}`),
      await get(`koogallery:${instanceId}`, TOKEN, { ...env, ENTITLEMENTS_TOKEN: "" }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 503]);
    for (const answer of answers) {
      expect(documented).toContain(String(answer.status));
      const body = JSON.parse(answer.text) as unknown;
      if (answer.status === 200) expect(EntitlementResponse.strict().safeParse(body).error).toBeUndefined();
      else expect(ErrorBody.safeParse(body).success, answer.text).toBe(true);
    }
  });
});
