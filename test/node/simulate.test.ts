/**
 * The simulator CLI as a developer runs it (`node tools/simulate/index.mjs …`), against a small
 * Node HTTP server that plays the gateway: it checks the V1 authToken and the V2 signature itself
 * with node:crypto (docs/koogallery.md §2.1, §2.2) and signs its answers with Body-Sign (§2.3), or, when
 * told to, signs them wrongly. Each CLI run is a child process; exit code and output are checked.
 */
import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
const PATH_SECRET = "node-test-path-secret-0123456789abcdef";
const CLI = resolve(__dirname, "../../tools/simulate/index.mjs");

interface Seen {
  method: string;
  url: URL;
  body: string;
  contentType: string | undefined;
  authentic: boolean;
  params: Record<string, string>;
}

/** How the fake gateway misbehaves; reset before each test. */
const mode = { wrongBodySign: false, resultCode: "000000" };
const seen: Seen[] = [];
let server: Server;
let base: string;
let cwd: string;

const hmac = (key: string, msg: string) => createHmac("sha256", key).update(msg, "utf8");

function v1Authentic(url: URL): boolean {
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) if (k !== "authToken" && !params.has(k)) params.set(k, v);
  const names = [...params.keys()].sort();
  const toSign = names.map((n) => `${n}=${params.get(n)}`).join("&");
  const expected = hmac(KEY + (params.get("timeStamp") ?? ""), toSign).digest("base64");
  return expected === (url.searchParams.get("authToken") ?? "").replace(/ /g, "+");
}

function v2Authentic(url: URL, body: string): boolean {
  const q = url.searchParams;
  const inner = hmac(KEY, body).digest("hex");
  const expected = hmac(KEY, `${KEY}${q.get("nonce")}${q.get("timestamp")}${inner}`).digest("hex");
  return expected === (q.get("signature") ?? "").toLowerCase() && Math.abs(Date.now() - Number(q.get("timestamp"))) < 60_000;
}

function answerKoo(res: ServerResponse, obj: Record<string, unknown>): void {
  const text = JSON.stringify(obj);
  const sig = hmac(mode.wrongBodySign ? `${KEY}-not` : KEY, text).digest("base64");
  res.writeHead(200, { "Content-Type": "application/json;charset=UTF-8", "Body-Sign": `sign_type="HMAC-SHA256", signature= "${sig}"` });
  res.end(text);
}

function answerJson(res: ServerResponse, status: number, obj: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(obj));
}

/** Instance ids per order, so a replayed newInstance names the same instance (as the gateway does). */
const instances = new Map<string, string>();

function handle(req: IncomingMessage, body: string, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", base);
  const record: Seen = { method: req.method ?? "", url, body, contentType: req.headers["content-type"], authentic: false, params: {} };
  seen.push(record);
  if (url.pathname === "/koogallery") {
    const v1 = req.method === "GET";
    record.authentic = v1 ? v1Authentic(url) : v2Authentic(url, body);
    record.params = v1 ? Object.fromEntries(url.searchParams) : (JSON.parse(body) as Record<string, string>);
    if (!record.authentic) return answerKoo(res, { resultCode: "000001", resultMsg: "authentication failed" });
    if (mode.resultCode !== "000000") return answerKoo(res, { resultCode: mode.resultCode, resultMsg: "simulated failure" });
    if (record.params.activity === "newInstance") {
      const order = `${record.params.orderId}:${record.params.orderLineId ?? record.params.productId}`;
      if (!instances.has(order)) instances.set(order, randomUUID());
      return answerKoo(res, { resultCode: "000000", resultMsg: "success.", instanceId: instances.get(order) });
    }
    return answerKoo(res, { resultCode: "000000", resultMsg: "success." });
  }
  const ap = /^\/activeplatform\/([^/]+)\/(subscription|user)\/([a-z_]+)$/.exec(url.pathname);
  if (!ap || ap[1] !== PATH_SECRET) return answerJson(res, 404, { task: { error_message: "not found" } });
  record.authentic = true;
  record.params = JSON.parse(body) as Record<string, string>;
  if (ap[2] === "subscription" && ap[3] === "create") return answerJson(res, 201, { external_id: randomUUID() });
  if (ap[2] === "user" && ap[3] === "create") return answerJson(res, 201, { id: "1234567" });
  return answerJson(res, 200, {});
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // An empty working directory: no developer .dev.vars can leak into these runs.
  cwd = mkdtempSync(join(tmpdir(), "simulate-test-"));
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  rmSync(cwd, { recursive: true, force: true });
});

beforeEach(() => {
  mode.wrongBodySign = false;
  mode.resultCode = "000000";
  seen.length = 0;
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI asynchronously: the fake gateway lives in this process and must keep answering. */
function cli(args: string[]): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const koo = () => ["--url", base, "--key", KEY];

describe("simulate CLI", () => {
  it("--help lists every target, action and option and exits 0", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    const all = [
      "koogallery-v1",
      "koogallery-v2",
      "activeplatform",
      "newInstance",
      "refreshInstance",
      "expireInstance",
      "releaseInstance",
      "upgrade",
      "instanceStatus",
      "queryInstance",
      "updateInstanceStatus",
      "upgradeInstance",
      "subscription/create",
      "subscription/renew",
      "subscription/stop",
      "subscription/activate",
      "subscription/delete",
      "subscription/change",
      "subscription/resource_validation",
      "user/create",
      "user/update",
      "user/activate",
      "user/deactivate",
      "user/delete",
      "--url",
      "--instance",
      "--order",
      "--expire-time",
      "--status",
      "--test-flag",
      "--body",
      "--key",
      "--path-secret",
      "--ap-guid",
      "--reseller-id",
      "--external-id",
      "--user-id",
      "--dev-vars",
      "--json",
      "--scenario full-lifecycle",
      "http://127.0.0.1:8787",
    ];
    for (const word of all) expect(run.stdout).toContain(word);
    expect(seen).toHaveLength(0);
  });

  it("koogallery-v1 newInstance: a valid authToken reaches the gateway; the answer is shown and verified", async () => {
    const run = await cli(["koogallery-v1", "newInstance", ...koo()]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(seen).toHaveLength(1);
    const call = seen[0]!;
    expect(call.method).toBe("GET");
    expect(call.authentic).toBe(true);
    for (const p of ["businessId", "customerId", "orderId", "productId", "timeStamp"]) expect(call.params[p]).toBeTruthy();
    expect(call.params.timeStamp).toMatch(/^\d{17}$/);
    expect(run.stdout).toContain(`→ GET ${base}/koogallery?activity=newInstance&`);
    expect(run.stdout).toContain("resultCode: 000000 (success)");
    expect(run.stdout).toContain("Body-Sign: verified ✓");
    expect(run.stdout).toContain("OK: 1/1 step succeeded");
    // The token is shortened in the output.
    const token = call.url.searchParams.get("authToken")!;
    expect(run.stdout).not.toContain(encodeURIComponent(token));
    expect(run.stdout).toContain(`authToken=${token.slice(0, 8)}…`);
  });

  it("koogallery-v2 full-lifecycle: five authentic calls on one instance, exit 0", async () => {
    const run = await cli(["--scenario", "full-lifecycle", "--target", "koogallery-v2", ...koo()]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(seen.map((s) => s.params.activity)).toEqual(["newInstance", "refreshInstance", "updateInstanceStatus", "releaseInstance", "releaseInstance"]);
    expect(seen.every((s) => s.authentic && s.method === "POST" && s.contentType === "application/json;charset=utf8")).toBe(true);
    // Compact JSON with keys ascending, as KooGallery sends it.
    for (const s of seen) {
      const obj = JSON.parse(s.body) as Record<string, unknown>;
      const sorted = Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(s.body).toBe(JSON.stringify(sorted));
    }
    // Every later call names the instance the newInstance answer carried.
    const instanceId = instances.get(`${seen[0]!.params.orderId}:${seen[0]!.params.orderLineId}`);
    expect(instanceId).toBeTruthy();
    expect(seen.slice(1).map((s) => s.params.instanceId)).toEqual([instanceId, instanceId, instanceId, instanceId]);
    expect(seen[1]!.params).toMatchObject({ scene: "RENEWAL", orderLineId: `${seen[1]!.params.orderId}-000001` });
    expect(seen[1]!.params.orderId).not.toBe(seen[0]!.params.orderId);
    expect(seen[2]!.params.status).toBe("FREEZE");
    expect(run.stdout.match(/Body-Sign: verified ✓/g)).toHaveLength(5);
    expect(run.stdout).toContain("release again (duplicate)");
    expect(run.stdout).toContain("OK: 5/5 steps succeeded");
  });

  it("koogallery-v1 full-lifecycle (target as first argument): renewal on a new order, expire and release on the original", async () => {
    const run = await cli(["koogallery-v1", "--scenario", "full-lifecycle", ...koo()]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(seen.map((s) => s.params.activity)).toEqual(["newInstance", "refreshInstance", "expireInstance", "releaseInstance", "releaseInstance"]);
    expect(seen.every((s) => s.authentic)).toBe(true);
    const first = seen[0]!.params.orderId;
    expect(seen[1]!.params.orderId).not.toBe(first);
    expect(seen[1]!.params.expireTime).toMatch(/^\d{14}$/);
    expect(seen.slice(2).map((s) => s.params.orderId)).toEqual([first, first, first]);
  });

  it("a wrong Body-Sign is reported NOT VERIFIED and the exit code is non-zero", async () => {
    mode.wrongBodySign = true;
    const run = await cli(["koogallery-v2", "newInstance", ...koo()]);
    expect(seen[0]!.authentic).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("resultCode: 000000 (success)");
    expect(run.stdout).toContain("Body-Sign: NOT VERIFIED ✗");
    expect(run.stdout).toContain("FAILED: 0/1 step succeeded");
  });

  it("a scenario stops at the first unverifiable answer and lists what did not run", async () => {
    mode.wrongBodySign = true;
    const run = await cli(["--scenario", "full-lifecycle", "--target", "koogallery-v1", ...koo()]);
    expect(run.code).toBe(1);
    expect(seen).toHaveLength(1);
    expect(run.stdout).toContain("not run: renew");
    expect(run.stdout).toContain("not run: release again (duplicate)");
  });

  it("a non-success resultCode fails the run even with a good Body-Sign", async () => {
    mode.resultCode = "000003";
    const run = await cli(["koogallery-v2", "releaseInstance", "--instance", "inst-0001", ...koo()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Body-Sign: verified ✓");
    expect(run.stdout).toContain("resultCode 000003 (instance ID does not exist), expected 000000");
  });

  it("the gateway's 000001 for a wrong --key shows as a failure", async () => {
    const run = await cli(["koogallery-v1", "expireInstance", "--instance", "inst-0001", "--order", "CS1", "--url", base, "--key", "wrong-key"]);
    expect(seen[0]!.authentic).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("resultCode: 000001 (authentication failed)");
  });

  it("--json prints a machine-readable result", async () => {
    const run = await cli(["koogallery-v2", "updateInstanceStatus", "--instance", "inst-0001", "--status", "UNFREEZE", "--json", ...koo()]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      ok: boolean;
      steps: { status: number; resultCode: string; bodySignVerified: boolean; request: { body: string } }[];
    };
    expect(result.ok).toBe(true);
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]).toMatchObject({ status: 200, resultCode: "000000", bodySignVerified: true });
    expect(JSON.parse(result.steps[0]!.request.body)).toMatchObject({ activity: "updateInstanceStatus", instanceId: "inst-0001", status: "UNFREEZE" });
  });

  it("keys come from a --dev-vars file (quoted values) when no flag is given", async () => {
    const file = join(cwd, "custom.vars");
    writeFileSync(file, `# local\nKOOGALLERY_ACCESS_KEY="${KEY}"\nACTIVEPLATFORM_PATH_SECRET='${PATH_SECRET}'\n`);
    const koo1 = await cli(["koogallery-v1", "queryInstance", "--instance", "inst-0001", "--url", base, "--dev-vars", "custom.vars"]);
    expect(koo1.code, koo1.stdout + koo1.stderr).toBe(0);
    expect(seen[0]!.authentic).toBe(true);
    expect(koo1.stdout).toContain("keys from custom.vars");
    const ap = await cli(["activeplatform", "subscription/stop", "--external-id", "ext-1", "--url", base, "--dev-vars", "custom.vars"]);
    expect(ap.code, ap.stdout + ap.stderr).toBe(0);
  });

  it("activeplatform full-lifecycle: create then events carrying its external_id; the path secret is masked", async () => {
    const run = await cli([
      "--scenario",
      "full-lifecycle",
      "--target",
      "activeplatform",
      "--url",
      base,
      "--path-secret",
      PATH_SECRET,
      "--ap-guid",
      "guid-1",
      "--reseller-id",
      "77",
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(seen.map((s) => s.url.pathname.split("/").slice(3).join("/"))).toEqual([
      "subscription/create",
      "subscription/renew",
      "subscription/stop",
      "subscription/activate",
      "subscription/delete",
    ]);
    expect(seen.every((s) => s.url.searchParams.get("ap_guid") === "guid-1" && s.url.searchParams.get("reseller_id") === "77")).toBe(true);
    const create = seen[0]!.params as unknown as { plan: { period: unknown }; subscription: { id: string }; reseller: { id: unknown } };
    expect(create.plan.period).toEqual({ value: 1, type: "Month" });
    expect(create.reseller.id).toBe(77);
    const externalIds = new Set(seen.slice(1).map((s) => s.params.external_id));
    expect(externalIds.size).toBe(1);
    expect([...externalIds][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.slice(1).every((s) => (s.params as unknown as { subscription: { id: string } }).subscription.id === create.subscription.id)).toBe(true);
    expect(run.stdout).not.toContain(PATH_SECRET);
    expect(run.stdout).toContain("/activeplatform/node…/subscription/create");
    expect(run.stdout).toContain("OK: 5/5 steps succeeded");
  });

  it("activeplatform errors (wrong path secret) fail with the error message; passwords are masked", async () => {
    const run = await cli(["activeplatform", "user/create", "--url", base, "--path-secret", "wrong-secret-0123456789"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("HTTP 404, expected 2xx: not found");
    const sent = JSON.parse(seen[0]!.body) as { password: string };
    expect(sent.password.length).toBeGreaterThan(8);
    expect(run.stdout).not.toContain(sent.password);
    expect(run.stdout).toContain('"password":"***"');
  });

  it("--body replaces the ActivePlatform body (inline or @file) and extends KooGallery parameters", async () => {
    writeFileSync(join(cwd, "renew.json"), '{"external_id":"from-file","custom":true}');
    const ap = await cli(["activeplatform", "subscription/renew", "--body", "@renew.json", "--url", base, "--path-secret", PATH_SECRET]);
    expect(ap.code, ap.stdout + ap.stderr).toBe(0);
    expect(seen[0]!.body).toBe('{"external_id":"from-file","custom":true}');
    const kv1 = await cli(["koogallery-v1", "newInstance", "--body", '{"skuCode":"sku-x","amount":5}', "--test-flag", "0", ...koo()]);
    expect(kv1.code, kv1.stdout + kv1.stderr).toBe(0);
    expect(seen[1]!.authentic).toBe(true);
    expect(seen[1]!.params).toMatchObject({ skuCode: "sku-x", amount: "5", testFlag: "0" });
  });

  it("bad usage exits 2 with a message and sends nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["nosuch", "newInstance"], /unknown target/],
      [["koogallery-v2", "expireInstance"], /unknown koogallery-v2 action/],
      [["koogallery-v1", "refreshInstance", ...koo()], /missing --instance/],
      [["activeplatform", "subscription/renew", "--url", base, "--path-secret", "x"], /missing --external-id/],
      [["koogallery-v1", "newInstance", "--url", base], /missing a KooGallery access key/],
      [["koogallery-v1", "newInstance", "--expire-time", "2027-01-01", ...koo()], /--expire-time/],
      [["koogallery-v1", "newInstance", "--dev-vars", "absent.vars", "--url", base], /not found/],
      [["--scenario", "other"], /unknown scenario/],
      [["koogallery-v1", "newInstance", "--frobnicate", ...koo()], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain("--help");
    }
    expect(seen).toHaveLength(0);
  });

  it("an unreachable gateway is a failure, not a crash", async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const run = await cli(["koogallery-v2", "newInstance", "--url", `http://127.0.0.1:${port}`, "--key", KEY]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("← no answer");
    expect(run.stderr).toBe("");
  });
});
