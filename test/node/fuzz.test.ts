/**
 * A slice of `npm run fuzz`: the same generators and checks, a couple of hundred requests per
 * family through the gateway under `wrangler dev`. Before that, the checks themselves are pinned
 * on hand-made answers, so a fuzz run cannot pass by checking nothing.
 */
import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { formProblem, isServerError, routeOf } from "../../tools/fuzz/check.mjs";
import { FAMILIES, createRng, generateCase, kindsOf, type FuzzContext } from "../../tools/fuzz/generate.mjs";
import { formatReport, runFuzz, type FuzzReport } from "../../tools/fuzz/run.mjs";

const KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
const SECRET = "path-secret-0123456789";
const CTX: FuzzContext = {
  key: KEY,
  pathSecret: SECRET,
  adminToken: "admin-token",
  v1InstanceId: "11111111-1111-4111-8111-111111111111",
  v2InstanceId: "22222222-2222-4222-8222-222222222222",
  apExternalId: "33333333-3333-4333-8333-333333333333",
  apUserId: "44444444-4444-4444-8444-444444444444",
  v2Replay: { query: "signature=00&timestamp=1&nonce=N", body: "{}" },
  toleranceS: 60,
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, headers, body: Buffer.from(JSON.stringify(body)) });
const signed = (body: unknown) => {
  const text = JSON.stringify(body);
  const sig = createHmac("sha256", KEY).update(text).digest("base64");
  return { status: 200, headers: { "body-sign": `sign_type="HMAC-SHA256", signature= "${sig}"` }, body: Buffer.from(text) };
};

describe("fuzz generators", () => {
  it("draw the same cases from the same seed, and both kinds of case in every family", () => {
    for (const family of FAMILIES) {
      const a = createRng(7);
      const b = createRng(7);
      const seen = new Set<boolean>();
      for (let i = 0; i < 200; i++) {
        const x = generateCase(family, a, CTX);
        const y = generateCase(family, b, CTX);
        // Signatures and V2 nonces may differ (clock, random nonces); what was done may not.
        expect([x.kind, x.creds, x.method]).toEqual([y.kind, y.creds, y.method]);
        seen.add(x.creds);
        // Sendable as is: the target has only bytes the HTTP parser accepts.
        expect(x.path).toMatch(/^[\x21-\x7e]+$/);
        expect(x.path).not.toMatch(/["<>`]/);
      }
      expect(seen).toEqual(new Set([true, false]));
      expect(kindsOf(family).length).toBeGreaterThan(3);
    }
  });

  it("a wrong path secret never turns into the right one after the URL is parsed", () => {
    for (const family of ["activeplatform-subscription", "activeplatform-user"]) {
      const rng = createRng(11);
      for (let i = 0; i < 2000; i++) {
        const c = generateCase(family, rng, CTX);
        if (!c.creds) expect(routeOf(c.path, SECRET), `${c.kind}: ${c.path}`).not.toBe("activeplatform");
      }
    }
  });
});

describe("fuzz answer checks", () => {
  const get = (path: string, creds = false) => ({ method: "GET", path, creds });

  it("route requests as the Worker's router does", () => {
    expect(routeOf("/koogallery?x=1", SECRET)).toBe("koogallery");
    expect(routeOf("/koogallery//", SECRET)).toBe("koogallery");
    expect(routeOf("/x/../koogallery", SECRET)).toBe("koogallery");
    expect(routeOf("/KOOGALLERY", SECRET)).toBe("other");
    expect(routeOf(`/activeplatform/${SECRET}/user/create`, SECRET)).toBe("activeplatform");
    expect(routeOf(`/activeplatform/${SECRET}x/user/create`, SECRET)).toBe("activeplatform-hidden");
    expect(routeOf("/activeplatform", SECRET)).toBe("activeplatform-hidden");
    expect(routeOf("/admin", SECRET)).toBe("admin");
    expect(routeOf("/administrator", SECRET)).toBe("other");
  });

  it("accept a signed KooGallery refusal and nothing less", () => {
    expect(formProblem(get("/koogallery"), signed({ resultCode: "000001", resultMsg: "x" }), CTX)).toBeNull();
    expect(formProblem(get("/koogallery"), signed({ resultCode: "000000", resultMsg: "x" }), CTX)).toMatch(/success/);
    expect(formProblem(get("/koogallery"), json(200, { resultCode: "000001" }), CTX)).toMatch(/Body-Sign/);
    const tampered = signed({ resultCode: "000001" });
    expect(formProblem(get("/koogallery"), { ...tampered, body: Buffer.from('{"resultCode":"000002"}') }, CTX)).toMatch(/Body-Sign/);
    expect(formProblem(get("/koogallery"), { ...signed({ resultCode: "000001" }), status: 400 }, CTX)).toMatch(/HTTP 400/);
  });

  it("accept ActivePlatform task errors with 4xx (or 501), and a bare 404 for a wrong secret", () => {
    const ap = get(`/activeplatform/${SECRET}/user/create`, true);
    expect(formProblem(ap, json(400, { task: { error_message: "bad" } }), CTX)).toBeNull();
    expect(formProblem(ap, json(501, { task: { error_message: "no such event" } }), CTX)).toBeNull();
    expect(formProblem(ap, json(500, { task: { error_message: "internal" } }), CTX)).toMatch(/500/);
    expect(formProblem(ap, json(400, { error: "bad" }), CTX)).toMatch(/task/);
    expect(formProblem(ap, json(200, { task: { error_message: "?" } }), CTX)).toMatch(/200/);
    expect(isServerError(ap, json(501, {}), SECRET)).toBe(false);
    expect(isServerError(get("/koogallery"), json(501, {}), SECRET)).toBe(true);
    expect(formProblem(get(`/activeplatform/nope/user/create`), json(404, { error: { code: "not_found", message: "no such route" } }), CTX)).toBeNull();
    expect(formProblem(get(`/activeplatform/nope/user/create`), json(400, { task: { error_message: "x" } }), CTX)).toMatch(/not 404/);
  });

  it("want 401 from the admin API without a valid token, and JSON errors everywhere else", () => {
    const error = { error: { code: "x", message: "y" } };
    expect(formProblem(get("/admin/dead-letters"), json(401, error), CTX)).toBeNull();
    expect(formProblem(get("/admin/dead-letters"), json(404, error), CTX)).toMatch(/valid token/);
    expect(formProblem(get("/admin/dead-letters", true), json(404, error), CTX)).toBeNull();
    expect(formProblem(get("/admin/dead-letters", true), json(200, { items: [] }), CTX)).toMatch(/error/);
    expect(formProblem(get("/nowhere"), { status: 400, headers: {}, body: Buffer.from("invalid URI") }, CTX)).toMatch(/not JSON/);
  });
});

describe("fuzz through wrangler dev", () => {
  let report: FuzzReport;
  beforeAll(async () => {
    report = await runFuzz({ count: Number(process.env.FUZZ_COUNT ?? 200), seed: Number(process.env.FUZZ_SEED ?? 20261202) });
  }, 900_000);

  it.each(FAMILIES)("%s: nothing written, no 5xx, no reset, every answer in the caller's error form", (family) => {
    const f = report.families.find((r) => r.family === family)!;
    const summary = formatReport(report);
    expect(f.sent).toBe(Number(process.env.FUZZ_COUNT ?? 200));
    expect(f.writes, summary).toBe(0);
    expect(f.serverErrors, summary).toBe(0);
    expect(f.resets, summary).toBe(0);
    expect(f.wrongForm + f.otherErrors, summary).toBe(0);
  });
});
