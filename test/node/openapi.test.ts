/**
 * The admin OpenAPI document, validated in Node against the official OpenAPI 3.1 JSON Schema by
 * @seriousme/openapi-schema-validator (an implementation independent of zod-openapi). It runs
 * here, not in workerd, because the validator compiles schemas to code at run time.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { adminOpenApiDocument } from "../../src/admin/openapi";

type Json = Record<string, unknown>;

describe("admin OpenAPI document", () => {
  const doc = adminOpenApiDocument() as unknown as Json & { paths: Record<string, Record<string, Json>>; components: Json };

  it("validates as OpenAPI 3.1", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("resolves every $ref", async () => {
    const validator = new Validator();
    await validator.validate(structuredClone(doc));
    // resolveRefs throws on a dangling reference.
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("documents every route of docs/contract.md (operations included), the bulk replays and the index rebuild", () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        "GET /admin/instances/{key}",
        "PUT /admin/instances/{key}/refs",
        "POST /admin/instances/{key}/replay",
        "GET /admin/dead-letters",
        "POST /admin/dead-letters/replay",
        "POST /admin/deliveries/{deliveryId}/replay",
        "GET /admin/openapi.json",
        "GET /admin/connectors",
        "POST /admin/connectors/{name}/pause",
        "POST /admin/connectors/{name}/resume",
        "GET /admin/instances",
        "GET /admin/deliveries",
        "GET /admin/stats",
        "POST /admin/index/rebuild",
        "GET /admin/drift",
        "POST /admin/reconcile",
        "GET /entitlements/{key}",
      ].sort(),
    );
  });

  it("requires a bearer token everywhere (the admin token, and the app's own on /entitlements) and declares 401 and 503 on every operation", () => {
    expect(doc.security).toEqual([{ adminToken: [] }]);
    const schemes = doc.components.securitySchemes as Json;
    expect(schemes.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemes.entitlementsToken).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item)) {
        expect(op.security ?? doc.security).toEqual(path.startsWith("/admin/") ? [{ adminToken: [] }] : [{ entitlementsToken: [] }]);
        const responses = op.responses as Json;
        expect(Object.keys(responses)).toEqual(expect.arrayContaining(["401", "503"]));
      }
    }
  });

  it("renders the zod schemas, not hand-written ones: constraints and the error shape come through", () => {
    const schemas = doc.components.schemas as Record<string, Json>;
    expect(schemas.Error).toMatchObject({
      type: "object",
      required: ["error"],
      properties: { error: { type: "object", required: ["code", "message"] } },
    });
    expect(schemas.InstanceKey).toMatchObject({ type: "string", maxLength: 200 });
    expect(String(schemas.InstanceKey?.pattern)).toContain("koogallery|activeplatform");
    const refsUpdate = schemas.RefsUpdate as Json & { properties: Record<string, Json> };
    expect(refsUpdate.additionalProperties).toBe(false);
    expect(refsUpdate.required).toEqual(["refs"]);
    const listParams = doc.paths["/admin/dead-letters"]!.get!.parameters as Array<Json & { schema: Json }>;
    const limit = listParams.find((p) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query" });
    expect(limit?.schema).toMatchObject({ maximum: 100, minimum: 1, default: 50 });
  });
});
