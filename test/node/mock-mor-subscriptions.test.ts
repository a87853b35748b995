/**
 * The mock MOR keeps the subscriptions it was told about, lists them with subscriptions_get
 * (hash SHA1(secret) alone, docs/mor.md §C.3) and can be edited behind the gateway's back over
 * HTTP (POST /__mock/subscriptions/{id}), for the reconciliation walkthrough.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMocks } from "../../tools/mocks/index.mjs";

let mocks: { urls: { mor: string }; close: () => Promise<void> };
beforeAll(async () => {
  mocks = await startMocks({ portBase: 0, log: false });
});
afterAll(async () => mocks?.close());

const post = (path: string, form: Record<string, string>) =>
  fetch(`${mocks.urls.mor}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  }).then((r) => r.text());
const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

describe("mock MOR subscriptions", () => {
  it("lists what it was told, and what was edited behind the gateway's back", async () => {
    expect(
      await post("/billing/api/subscription_update", {
        u: "admin",
        subscription_id: "4242",
        subscription_activation_end: "1893456000",
        hash: sha1("4242mor-secret"),
      }),
    ).toContain("successfully updated");
    let list = await post("/billing/api/subscriptions_get", { u: "admin", hash: sha1("mor-secret") });
    expect(list).toMatch(/<subscription><id>4242<\/id>.*<till>2030-01-01 00:00:00 \+0000<\/till>/);
    const edited = await fetch(`${mocks.urls.mor}/__mock/subscriptions/4242`, { method: "POST", body: JSON.stringify({ end: "2031-01-01T00:00:00Z" }) });
    expect(edited.status).toBe(200);
    list = await post("/billing/api/subscriptions_get", { u: "admin", hash: sha1("mor-secret") });
    expect(list).toContain("<till>2031-01-01 00:00:00 +0000</till>");
    expect(await post("/billing/api/subscriptions_get", { u: "admin", hash: sha1("wrong") })).toContain("Incorrect hash");
  });
});
