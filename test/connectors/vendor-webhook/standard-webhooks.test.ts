import { createHmac } from "../support/node-crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, webhookHeaders } from "../../../src/connectors/vendor-webhook/standard-webhooks";

// Example from the Standard Webhooks specification / reference libraries.
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestampS: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

/** Independent signer: node:crypto over the base64-decoded key. */
function reference(secret: string, id: string, ts: number, body: string): string {
  const key = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  return `v1,${createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64")}`;
}

describe("signWebhook", () => {
  it("reproduces the Standard Webhooks spec example", async () => {
    expect(await signWebhook(SPEC.secret, SPEC.id, SPEC.timestampS, SPEC.body)).toBe(SPEC.signature);
  });

  it("agrees with node:crypto on a canonical event with non-ASCII text", async () => {
    const secret = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
    const body = JSON.stringify({ id: "dlv_1", type: "instance.expired", note: "Grüße – 你好" });
    const got = await signWebhook(secret, "dlv_1", 1_790_000_000, body);
    expect(got).toBe(reference(secret, "dlv_1", 1_790_000_000, body));
  });

  it("changes when any signed part changes", async () => {
    const base = await signWebhook(SPEC.secret, SPEC.id, SPEC.timestampS, SPEC.body);
    expect(await signWebhook(SPEC.secret, `${SPEC.id}x`, SPEC.timestampS, SPEC.body)).not.toBe(base);
    expect(await signWebhook(SPEC.secret, SPEC.id, SPEC.timestampS + 1, SPEC.body)).not.toBe(base);
    expect(await signWebhook(SPEC.secret, SPEC.id, SPEC.timestampS, `${SPEC.body} `)).not.toBe(base);
  });

  const badSecrets: Array<[string, string]> = [
    ["missing prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    ["empty key", "whsec_"],
    ["base64url alphabet", "whsec_MfKQ9r8GKYqrTwjUPD8ILP-Io2LaLaSw"],
    ["bad length", "whsec_MfKQ9"],
    ["embedded space", "whsec_MfKQ 9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
  ];
  it.each(badSecrets)("rejects a secret with %s, without echoing it", async (_label, secret) => {
    const err = await signWebhook(secret, "id", 1, "{}").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain("whsec_");
    expect(message).toContain("VENDOR_WEBHOOK_SECRET");
    expect(message).not.toContain(secret.slice(6, 12) || "\u0000");
  });

  it("rejects a non-integer timestamp", async () => {
    await expect(signWebhook(SPEC.secret, SPEC.id, 1.5, "{}")).rejects.toThrow(/timestamp/);
  });
});

describe("webhookHeaders", () => {
  it("returns the three Standard Webhooks headers and the JSON content type", async () => {
    const headers = await webhookHeaders({ ...SPEC });
    expect(headers).toEqual({
      "content-type": "application/json",
      "webhook-id": SPEC.id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": SPEC.signature,
    });
  });
});
