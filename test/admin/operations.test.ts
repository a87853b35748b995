/**
 * The operations routes at the API's edge: connectors with pause and resume, search, figures and
 * rebuild, validated like every admin route and answering in the admin error dialect.
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, provisioned, type ErrorAnswer } from "./support";
import { eventually } from "../support/partners";
import { resetGates } from "../support/gates";

afterEach(resetGates);

type Connector = { name: string; enabled: boolean; paused: boolean; pause: { by: string; reason: string; since: string } | null; breaker: { state: string } };

describe("GET /admin/connectors", () => {
  it("lists the three partner connectors and the operations endpoint, enabled or not", async () => {
    const answer = await call<{ connectors: Connector[]; ops: { enabled: boolean } }>("/connectors");
    expect(answer.status).toBe(200);
    expect(answer.body.connectors.map((c) => c.name)).toEqual(["vendor", "koodrive", "mor"]);
    // This project configures no connector and no operations endpoint.
    expect(answer.body.connectors.every((c) => !c.enabled && !c.paused && c.breaker.state === "closed")).toBe(true);
    expect(answer.body.ops.enabled).toBe(false);
  });
});

describe("POST /admin/connectors/{name}/pause and /resume", () => {
  it("pauses with an optional reason, idempotently, and resumes", async () => {
    const first = await call<{ connector: Connector }>("/connectors/mor/pause", { method: "POST", body: { reason: "billing migration" } });
    expect(first.status).toBe(200);
    expect(first.body.connector).toMatchObject({ name: "mor", paused: true, pause: { by: "operator", reason: "billing migration" } });
    const again = await call<{ connector: Connector }>("/connectors/mor/pause", { method: "POST" });
    expect(again.body.connector.pause).toEqual(first.body.connector.pause);
    const listed = await call<{ connectors: Connector[] }>("/connectors");
    expect(listed.body.connectors.find((c) => c.name === "mor")!.paused).toBe(true);
    const resumed = await call<{ connector: Connector }>("/connectors/mor/resume", { method: "POST" });
    expect(resumed.body.connector).toMatchObject({ paused: false, pause: null });
  });

  it("without a reason, the pause says an operator paused it", async () => {
    const answer = await call<{ connector: Connector }>("/connectors/vendor/pause", { method: "POST" });
    expect(answer.body.connector.pause?.reason).toBe("paused by an operator");
  });

  it.each([
    ["an unknown connector", "/connectors/ops/pause", {}, 404, "not_found"],
    ["a body that is not an object with a reason", "/connectors/vendor/pause", { reason: 42 }, 400, "invalid_request"],
    ["an unknown field", "/connectors/vendor/pause", { reason: "x", until: "tomorrow" }, 400, "invalid_request"],
  ] as const)("refuses %s", async (_name, path, body, status, code) => {
    const answer = await call<ErrorAnswer>(path, { method: "POST", body });
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it("GET is not allowed", async () => {
    const answer = await call<ErrorAnswer>("/connectors/vendor/pause");
    expect(answer.status).toBe(405);
    expect(answer.headers.get("Allow")).toBe("POST");
  });
});

describe("search and figures", () => {
  it("finds a provisioned instance shortly after the marketplace's answer", async () => {
    const { key } = await provisioned();
    const found = await eventually(async () => {
      const page = await call<{ items: Array<{ key: string; state: string; source: string }> }>("/instances?source=koogallery&state=active&limit=200");
      return page.body.items.find((i) => i.key === key);
    });
    expect(found).toMatchObject({ state: "active", source: "koogallery" });
  });

  it.each([
    ["/instances?state=frozen", "query.state"],
    ["/instances?limit=0", "query.limit"],
    ["/instances?updatedSince=yesterday", "query.updatedSince"],
    ["/instances?cursor=bm90LWEtY3Vyc29y", "query.cursor"],
    ["/deliveries?status=waiting", "query.status"],
    ["/deliveries?connector=ops", "query.connector"],
    ["/stats?window=30d", "query.window"],
    ["/stats?window=24", "query.window"],
  ])("refuses %s, naming the field", async (path, field) => {
    const answer = await call<ErrorAnswer>(path);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(new RegExp(`^${field.replace(".", "\\.")}:`));
  });

  it("answers figures for a window, 24 hours by default", async () => {
    const answer = await call<{ window: string; since: string; until: string; inbound: unknown[]; deliveries: unknown[] }>("/stats");
    expect(answer.status).toBe(200);
    expect(answer.body.window).toBe("24h");
    expect(Date.parse(answer.body.until) - Date.parse(answer.body.since)).toBe(24 * 3_600_000);
    expect((await call<{ window: string }>("/stats?window=15m")).body.window).toBe("15m");
  });

  it("a rebuild needs keys, at most 100", async () => {
    expect((await call<ErrorAnswer>("/index/rebuild", { method: "POST", body: { keys: [] } })).status).toBe(400);
    const many = Array.from({ length: 101 }, (_, i) => `koogallery:k${i}`);
    expect((await call<ErrorAnswer>("/index/rebuild", { method: "POST", body: { keys: many } })).status).toBe(400);
  });
});
