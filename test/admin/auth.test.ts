import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { presentedToken } from "../../src/admin/auth";
import { handleAdmin } from "../../src/admin/handler";
import type { Bindings } from "../../src/bindings";
import { adminRequest, call, read, type ErrorAnswer } from "./support";

/** The test bindings with one setting changed or, for `undefined`, absent as in a deployment without it. */
function withSetting(name: keyof Bindings, value: string | undefined): Bindings {
  const copy: Record<string, unknown> = { ...env };
  if (value === undefined) delete copy[name];
  else copy[name] = value;
  return copy as unknown as Bindings;
}

const PROTECTED = [
  ["GET", "/openapi.json"],
  ["GET", "/instances/koogallery%3A00000000-0000-0000-0000-000000000000"],
  ["PUT", "/instances/koogallery:00000000-0000-0000-0000-000000000000/refs"],
  ["POST", "/instances/koogallery:00000000-0000-0000-0000-000000000000/replay"],
  ["GET", "/dead-letters"],
  ["POST", "/dead-letters/replay"],
  ["POST", "/deliveries/dlv_0/replay"],
  ["GET", "/no-such-admin-route"],
] as const;

describe("admin authentication", () => {
  it("the right bearer token is let through", async () => {
    const answer = await call("/dead-letters");
    expect(answer.status).toBe(200);
  });

  it("the scheme name is case-insensitive (RFC 7235)", async () => {
    const answer = await call("/dead-letters", { token: null, headers: { Authorization: "bearer test-admin-token" } });
    expect(answer.status).toBe(200);
  });

  it.each(PROTECTED)("%s %s without a token is 401", async (method, path) => {
    const answer = await call<ErrorAnswer>(path, { method, token: null });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: { code: "unauthorized", message: "unauthorized" } });
    expect(answer.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  });

  it.each([
    ["a wrong token", { token: "test-admin-token-wrong" }],
    ["a prefix of the token", { token: "test-admin" }],
    ["the token with another scheme", { token: null, headers: { Authorization: "Basic test-admin-token" } }],
    ["the bare token", { token: null, headers: { Authorization: "test-admin-token" } }],
    ["an empty bearer", { token: null, headers: { Authorization: "Bearer " } }],
  ])("%s is 401 with the same body as a missing one", async (_name, c) => {
    const missing = await call("/dead-letters", { token: null });
    const wrong = await call("/dead-letters", c);
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe(missing.text);
  });

  it("an unknown admin path is 401 before it is 404, so routes cannot be probed", async () => {
    expect((await call("/nope", { token: null })).status).toBe(401);
    const known = await call<ErrorAnswer>("/nope");
    expect(known.status).toBe(404);
    expect(known.body.error.code).toBe("not_found");
  });

  it("an unset ADMIN_TOKEN disables the admin API with 503 naming the setting, even for a bearer that would match", async () => {
    for (const unset of [undefined, "", "   "]) {
      for (const token of [null, "test-admin-token", "", "undefined"]) {
        const answer = await read<ErrorAnswer>(await handleAdmin(adminRequest("/dead-letters", { token }), withSetting("ADMIN_TOKEN", unset)));
        expect(answer.status).toBe(503);
        expect(answer.body.error.code).toBe("admin_disabled");
        expect(answer.body.error.message).toContain("ADMIN_TOKEN");
      }
    }
  });

  it("presentedToken reads only a well-formed bearer credential", () => {
    expect(presentedToken("Bearer abc")).toBe("abc");
    expect(presentedToken("BEARER   abc  ")).toBe("abc");
    expect(presentedToken("Bearer a b")).toBe("");
    expect(presentedToken("Bearerabc")).toBe("");
    expect(presentedToken(null)).toBe("");
  });
});
