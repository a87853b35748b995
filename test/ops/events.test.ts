import { describe, expect, it } from "vitest";
import { connectorPaused, connectorResumed, deadLettered, laneOf, opsReason, recovered } from "../../src/ops/events";

const about = {
  deliveryId: "dlv_0123456789abcdef0123456789abcdef",
  connector: "mor",
  instanceKey: "koogallery:abc",
  eventType: "instance.expired",
  attempts: 3,
};

describe("operational events", () => {
  it("have ids derived from what they are about, so one occurrence is one event", () => {
    const at = "2026-11-22T12:00:00.000Z";
    expect(deadLettered({ ...about, reason: "x" }, at).id).toBe(deadLettered({ ...about, reason: "y" }, at).id);
    expect(deadLettered({ ...about, reason: "x" }, at).id).not.toBe(deadLettered({ ...about, reason: "x" }, "2026-11-22T12:00:01.000Z").id);
    expect(recovered(about, at).id).not.toBe(deadLettered({ ...about, reason: "x" }, at).id);
    for (const e of [deadLettered({ ...about, reason: "x" }, at), recovered(about, at)]) expect(e.id).toMatch(/^ops_[a-z]{2}_[0-9a-f]{32}_[0-9a-z]+$/);
  });

  it("keep events about one connector, or one instance, in one lane", () => {
    const since = "2026-11-22T12:00:00.000Z";
    expect(laneOf(connectorPaused({ connector: "vendor", by: "breaker", reason: "r", since }))).toBe("connector:vendor");
    expect(laneOf(connectorResumed({ connector: "vendor", by: "operator", pausedSince: since }, since))).toBe("connector:vendor");
    expect(laneOf(recovered(about, since))).toBe("instance:koogallery:abc");
  });

  it.each([
    ["an e-mail address", "MOR: user buyer@example.com not found", "MOR: user [redacted] not found"],
    ["a phone number", "no subscriber +86 138 0013 8000", "no subscriber [redacted]"],
    ["a bearer token", "rejected Bearer abc.def.ghi", "rejected Bearer [redacted]"],
    ["a credential field", 'answer {"access_token":"s3cr3t","code":1}', 'answer {"access_token":"[redacted]","code":1}'],
    ["a hash parameter", "u=admin&hash=0a1b2c3d4e", "u=admin&hash=[redacted]"],
  ])("reasons leave %s out", (_name, reason, expected) => {
    expect(opsReason(reason)).toBe(expected);
  });

  it("reasons are single-line and short", () => {
    const r = opsReason(`line one\nline two ${"x".repeat(500)}`);
    expect(r).not.toContain("\n");
    expect(r.length).toBeLessThanOrEqual(200);
  });
});
