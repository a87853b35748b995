/**
 * The served document is the generated one, and every operation it documents is routed and
 * answers only with statuses it documents. (Validation against the OpenAPI 3.1 schema runs in
 * Node: test/node/openapi.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { adminOpenApiDocument } from "../../src/admin/openapi";
import { ErrorBody } from "../../src/admin/schemas";
import { call } from "./support";

type Operation = { responses: Record<string, unknown> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

const EXAMPLE_BODIES: Record<string, unknown> = {
  "PUT /admin/instances/{key}/refs": { refs: { "mor.subscriptionId": "1" } },
  "POST /admin/dead-letters/replay": { since: "1999-01-01T00:00:00Z", until: "1999-01-02T00:00:00Z" },
  "POST /admin/connectors/{name}/pause": { reason: "openapi test" },
  "POST /admin/index/rebuild": { keys: ["koogallery:0b6d2d0e-3a0c-4c62-9d6e-3f1f7f0f5a11"] },
};

describe("GET /admin/openapi.json", () => {
  it("serves the document generated from the schemas, as OpenAPI 3.1", async () => {
    const answer = await call<Doc>("/openapi.json");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(adminOpenApiDocument())));
    expect(answer.body.openapi).toBe("3.1.0");
  });

  it("requires the token like every admin route", async () => {
    expect((await call("/openapi.json", { token: null })).status).toBe(401);
  });

  const doc = adminOpenApiDocument() as unknown as Doc;
  // The entitlements route takes its own token: test/delivery-flow/entitlements.test.ts checks its statuses.
  const operations = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/admin/"))
    .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

  it.each(operations.map((o) => [`${o.method} ${o.path}`, o] as const))("%s is routed and answers a documented status", async (name, { path, method, op }) => {
    const concrete = path
      .replace("{key}", `koogallery:${crypto.randomUUID()}`)
      .replace("{deliveryId}", `dlv_${"0".repeat(32)}`)
      .replace("{name}", "vendor")
      .replace(/^\/admin/, "");
    const answer = await call(concrete, { method, body: EXAMPLE_BODIES[name] });
    expect(Object.keys(op.responses), answer.text).toContain(String(answer.status));
    expect(answer.status).not.toBe(405);
    expect(answer.headers.get("Content-Type")).toMatch(/^application\/json/);
    if (answer.status >= 400) expect(ErrorBody.safeParse(answer.body).success, answer.text).toBe(true);
  });
});
