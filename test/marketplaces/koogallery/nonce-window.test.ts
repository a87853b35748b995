/**
 * V2 replay guard: the timestamp window is measured when the call is verified (after its body has
 * been read), the instance object checks it again against its own clock before it applies
 * anything, and a nonce is remembered past the window's end.
 */
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ApplyResult } from "../../../src/instance/instance-object";
import type { LifecycleCommand } from "../../../src/lifecycle/types";
import { handleKooGallery } from "../../../src/marketplaces/koogallery/handler";
import { details } from "../../support/instances";
import { expectSigned, newInstanceV2, send, v2Request, type KooAnswer } from "../../support/koogallery";

const stubFor = (key: string) => env.INSTANCES.get(env.INSTANCES.idFromName(key));

/** A signed V2 call whose body arrives `delayMs` after the request starts. */
function slowRequest(body: Record<string, unknown>, delayMs: number): Request {
  const signed = v2Request(body);
  const bytes = new TextEncoder().encode(JSON.stringify(Object.fromEntries(Object.entries(body).sort(([a], [b]) => (a < b ? -1 : 1)))));
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, delayMs));
      controller.enqueue(bytes);
      controller.close();
    },
  });
  return new Request(signed.url, { method: "POST", headers: signed.headers, body: stream });
}

async function answerOf(response: Response): Promise<KooAnswer> {
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text, bodySign: response.headers.get("Body-Sign") };
}

function freezeCommand(instanceId: string, nonce: LifecycleCommand["nonce"]): LifecycleCommand {
  return {
    instanceKey: `koogallery:${instanceId}`,
    source: "koogallery",
    externalId: instanceId,
    action: "expire",
    eventKey: `koogallery:${instanceId}:expire`,
    keyScope: "state",
    test: false,
    origin: { system: "koogallery", activity: "updateInstanceStatus", raw: {} },
    answer: { instanceId },
    ...(nonce ? { nonce } : {}),
  };
}

describe("V2 timestamp window", () => {
  it("is measured after the body has been read: a body that trickles in past the window is refused", async () => {
    const { instanceId } = await newInstanceV2();
    const e = { ...env, KOOGALLERY_TIMESTAMP_TOLERANCE_S: "1" };
    const request = slowRequest({ activity: "updateInstanceStatus", instanceId, status: "FREEZE" }, 1500);
    const answer = await answerOf(await handleKooGallery(request, e, createExecutionContext()));
    expectSigned(answer, "000001");
    expect(answer.body.resultMsg).toBe("timestamp outside the allowed window");
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("active");
  });

  it("a quick body within the same window is served (control)", async () => {
    const { instanceId } = await newInstanceV2();
    const e = { ...env, KOOGALLERY_TIMESTAMP_TOLERANCE_S: "1" };
    const request = slowRequest({ activity: "updateInstanceStatus", instanceId, status: "FREEZE" }, 0);
    expectSigned(await answerOf(await handleKooGallery(request, e, createExecutionContext())), "000000");
  });

  it("the instance object refuses a call whose window has closed by the time it gets there", async () => {
    const { instanceId } = await newInstanceV2();
    const stale = { value: "N".repeat(32), timestampMs: Date.now() - 61_000, toleranceMs: 60_000 };
    const result = (await stubFor(`koogallery:${instanceId}`).apply(freezeCommand(instanceId, stale))) as ApplyResult;
    expect(result).toMatchObject({ outcome: "rejected", reason: "stale_timestamp" });
    expect((await details(`koogallery:${instanceId}`))?.instance.state).toBe("active");
  });

  it("a nonce claim without a command (queryInstance) checks the window too", async () => {
    const { instanceId } = await newInstanceV2();
    const stale = { value: "Q".repeat(32), timestampMs: Date.now() - 61_000, toleranceMs: 60_000 };
    expect(await stubFor(`koogallery:${instanceId}`).claimNonce(stale)).toBe(false);
    const fresh = { value: "R".repeat(32), timestampMs: Date.now(), toleranceMs: 60_000 };
    expect(await stubFor(`koogallery:${instanceId}`).claimNonce(fresh)).toBe(true);
    expect(await stubFor(`koogallery:${instanceId}`).claimNonce(fresh)).toBe(false);
  });
});

describe("V2 nonce memory", () => {
  it("keeps a nonce after its window has closed (window plus a margin)", async () => {
    const { instanceId } = await newInstanceV2();
    const key = `koogallery:${instanceId}`;
    // A short window, so that it closes during the test.
    const first = { value: "S".repeat(32), timestampMs: Date.now(), toleranceMs: 50 };
    expect(await stubFor(key).claimNonce(first)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    // Any later claim purges what has expired.
    expect(await stubFor(key).claimNonce({ value: "T".repeat(32), timestampMs: Date.now(), toleranceMs: 60_000 })).toBe(true);
    const kept = await runInDurableObject(stubFor(key), (_o, state) =>
      state.storage.sql.exec("SELECT nonce FROM nonces WHERE nonce = ?", first.value).toArray(),
    );
    expect(kept).toHaveLength(1);
  });

  it("a replayed nonce inside the window is still refused through the Worker", async () => {
    const { instanceId } = await newInstanceV2();
    const nonce = "B".repeat(64);
    const timestamp = String(Date.now());
    const body = { activity: "updateInstanceStatus", instanceId, status: "FREEZE" };
    expectSigned(await send(v2Request(body, { nonce, timestamp })), "000000");
    expectSigned(await send(v2Request(body, { nonce, timestamp })), "000001");
  });
});
