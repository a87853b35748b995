/**
 * The simulator (tools/simulate) against the real gateway, in workerd: its calls are signed by the
 * independent node:crypto signer, so a passing run checks both sides. Every Body-Sign is also
 * re-verified here with node:crypto directly, and the gateway's own state is read from the Durable
 * Object, so neither the simulator nor the gateway can pass by agreeing with itself.
 */
import { createHmac } from "../connectors/support/node-crypto";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runAction, runScenario, type FetchLike, type RunResult, type Step } from "../../tools/simulate/run.mjs";
import { details } from "../support/instances";

const KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
const WRONG_KEY = "00000000-0000-4000-8000-000000000000";
const PATH_SECRET = "test-path-secret-0123456789abcdef";
const URL_BASE = "https://gateway.test";

const gateway: FetchLike = (url, init) => exports.default.fetch(new Request(url, init));
const koo = { url: URL_BASE, key: KEY };
const ap = { url: URL_BASE, pathSecret: PATH_SECRET };

/** base64 HMAC-SHA256(key, body) inside `signature= "…"`, computed here without the signer. */
function bodySignMatches(key: string, step: Step): boolean {
  const m = /signature\s*=\s*"([^"]+)"/.exec(step.bodySign ?? "");
  return (
    m?.[1] ===
    createHmac("sha256", key)
      .update(step.text ?? "", "utf8")
      .digest("base64")
  );
}

function expectAllOk(result: RunResult, names: string[]): void {
  const failures = result.steps.filter((s) => !s.ok).map((s) => `${s.name}: ${s.problems.join("; ")} ${s.text ?? ""}`);
  expect(failures).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.notRun).toEqual([]);
  expect(result.steps.map((s) => s.name)).toEqual(names);
}

function expectKooSuccess(step: Step, codes = ["000000"]): void {
  expect(step.status, step.text ?? "").toBe(200);
  expect(codes, step.text ?? "").toContain(step.resultCode);
  expect(step.bodySignVerified).toBe(true);
  expect(bodySignMatches(KEY, step)).toBe(true);
}

const instanceIdOf = (step: Step): string => String((step.body as { instanceId?: unknown }).instanceId);

describe("simulator full-lifecycle against the gateway (KooGallery)", () => {
  it.each(["koogallery-v1", "koogallery-v2"])("%s: provision, renew, expire, release, duplicate release", async (target) => {
    const result = await runScenario({ ...koo, target, scenario: "full-lifecycle" }, gateway);
    expectAllOk(result, ["provision", "renew", "expire", "release", "release again (duplicate)"]);
    for (const step of result.steps) expectKooSuccess(step, step.name === "provision" ? ["000000", "000004"] : ["000000"]);

    const instanceId = instanceIdOf(result.steps[0]!);
    for (const step of result.steps.slice(1)) expect(step.request.url + (step.request.body ?? "")).toContain(instanceId);
    const d = await details(`koogallery:${instanceId}`);
    expect(d?.instance.state).toBe("released");
    // The duplicate release is answered but changes nothing: exactly one event per step.
    expect(d?.events.map((e) => e.type)).toEqual(["instance.released", "instance.expired", "instance.renewed", "instance.provisioned"]);
  });

  it("V1 uses a new order for the renewal and the original order for expire and release", async () => {
    const result = await runScenario({ ...koo, target: "koogallery-v1" }, gateway);
    expect(result.ok).toBe(true);
    const orders = result.steps.map((s) => new URL(s.request.url).searchParams.get("orderId"));
    expect(orders[1]).not.toBe(orders[0]);
    expect(orders.slice(2)).toEqual([orders[0], orders[0], orders[0]]);
  });

  it("a wrong --key is refused by the gateway with 000001, and the simulator reports the failure", async () => {
    for (const target of ["koogallery-v1", "koogallery-v2"]) {
      const result = await runAction({ ...koo, key: WRONG_KEY, target, action: "newInstance" }, gateway);
      const step = result.steps[0]!;
      expect(step.resultCode, step.text ?? "").toBe("000001");
      expect(result.ok).toBe(false);
      // The gateway signs with the real key, so the simulator (holding the wrong one) cannot verify it...
      expect(step.bodySignVerified).toBe(false);
      expect(step.problems.join(" ")).toMatch(/resultCode 000001.*Body-Sign NOT VERIFIED/);
      // ...while the real key does: the answer itself is well signed.
      expect(bodySignMatches(KEY, step)).toBe(true);
    }
  });

  it("a scenario with a wrong key stops after the failed provision", async () => {
    const result = await runScenario({ ...koo, key: WRONG_KEY, target: "koogallery-v2" }, gateway);
    expect(result.ok).toBe(false);
    expect(result.steps).toHaveLength(1);
    expect(result.notRun).toEqual(["renew", "expire", "release", "release again (duplicate)"]);
  });
});

describe("simulator single actions against the gateway (KooGallery, every activity)", () => {
  it("V1: newInstance, queryInstance, upgrade, instanceStatus, refreshInstance, expireInstance, releaseInstance", async () => {
    const run = async (action: string, extra: Record<string, string> = {}) => {
      const result = await runAction({ ...koo, target: "koogallery-v1", action, ...extra }, gateway);
      expectKooSuccess(result.steps[0]!);
      expect(result.ok).toBe(true);
      return result.steps[0]!;
    };
    const created = await run("newInstance");
    const instanceId = instanceIdOf(created);
    const orderId = new URL(created.request.url).searchParams.get("orderId")!;
    const query = await run("queryInstance", { instanceId });
    expect((query.body as { info: { instanceId: string }[] }).info[0]?.instanceId).toBe(instanceId);
    await run("upgrade", { instanceId });
    await run("instanceStatus", { instanceId, status: "FREEZE" });
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("expired");
    await run("instanceStatus", { instanceId, status: "UNFREEZE" }); // mapped to V1's NORMAL
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("active");
    await run("refreshInstance", { instanceId, expireTime: "20300101000000" });
    expect((await details(`koogallery:${instanceId}`))?.instance.expiresAt).toBe("2030-01-01T00:00:00.000Z");
    await run("expireInstance", { instanceId, orderId });
    await run("releaseInstance", { instanceId, orderId });
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("released");
  });

  it("V2: newInstance, queryInstance, upgradeInstance, updateInstanceStatus, refreshInstance, releaseInstance", async () => {
    const run = async (action: string, extra: Record<string, string> = {}, codes = ["000000"]) => {
      const result = await runAction({ ...koo, target: "koogallery-v2", action, ...extra }, gateway);
      expectKooSuccess(result.steps[0]!, codes);
      return result.steps[0]!;
    };
    const created = await run("newInstance", {}, ["000000", "000004"]);
    const instanceId = instanceIdOf(created);
    const query = await run("queryInstance", { instanceId });
    expect((query.body as { info: { instanceId: string }[] }).info[0]?.instanceId).toBe(instanceId);
    await run("upgradeInstance", { instanceId });
    await run("updateInstanceStatus", { instanceId, status: "FREEZE" });
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("expired");
    await run("updateInstanceStatus", { instanceId, status: "UNFREEZE" });
    await run("refreshInstance", { instanceId, expireTime: "20310101000000" });
    expect((await details(`koogallery:${instanceId}`))?.instance.expiresAt).toBe("2031-01-01T00:00:00.000Z");
    await run("releaseInstance", { instanceId });
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("released");
  });

  it("an answer with a non-success resultCode fails the step even though Body-Sign verifies", async () => {
    const result = await runAction({ ...koo, target: "koogallery-v2", action: "refreshInstance", instanceId: "no-such-instance" }, gateway);
    const step = result.steps[0]!;
    expect(step.resultCode).toBe("000003");
    expect(step.bodySignVerified).toBe(true);
    expect(result.ok).toBe(false);
    expect(step.problems).toEqual(["resultCode 000003 (instance ID does not exist), expected 000000"]);
  });
});

describe("simulator against the gateway (ActivePlatform)", () => {
  it("full-lifecycle: create, renew, stop, activate, delete", async () => {
    const result = await runScenario({ ...ap, target: "activeplatform" }, gateway);
    expectAllOk(result, ["create", "renew", "stop", "activate", "delete"]);
    const first = result.steps[0]!;
    expect(first.status).toBe(201);
    const externalId = String((first.body as { external_id?: unknown }).external_id);
    for (const step of result.steps.slice(1)) {
      expect(step.status).toBeGreaterThanOrEqual(200);
      expect(step.status).toBeLessThan(300);
      expect(JSON.parse(step.request.body ?? "{}").external_id).toBe(externalId);
    }
    expect(result.steps.every((s) => s.bodySignVerified === null)).toBe(true);
  });

  it("change and resource_validation after create, and every user event", async () => {
    const created = await runAction({ ...ap, target: "activeplatform", action: "subscription/create" }, gateway);
    expect(created.ok, created.steps[0]?.text ?? "").toBe(true);
    const externalId = String((created.steps[0]!.body as { external_id?: unknown }).external_id);
    for (const action of ["subscription/change", "subscription/resource_validation"]) {
      const r = await runAction({ ...ap, target: "activeplatform", action, externalId }, gateway);
      expect(r.ok, `${action}: ${r.steps[0]?.problems.join("; ")}`).toBe(true);
    }

    const user = await runAction({ ...ap, target: "activeplatform", action: "user/create" }, gateway);
    expect(user.ok, user.steps[0]?.text ?? "").toBe(true);
    expect(user.steps[0]!.status).toBe(201);
    const userId = String((user.steps[0]!.body as { id?: unknown }).id);
    for (const action of ["user/update", "user/activate", "user/deactivate", "user/delete"]) {
      const r = await runAction({ ...ap, target: "activeplatform", action, userId }, gateway);
      expect(r.ok, `${action}: ${r.steps[0]?.problems.join("; ")}`).toBe(true);
    }
  });

  it("a wrong path secret is refused and the simulator reports it", async () => {
    const result = await runAction({ ...ap, pathSecret: "not-the-secret-0123456789abcdef", target: "activeplatform", action: "subscription/create" }, gateway);
    expect(result.ok).toBe(false);
    expect(result.steps[0]!.status).not.toBeNull();
    expect(result.steps[0]!.status! >= 400).toBe(true);
  });
});
