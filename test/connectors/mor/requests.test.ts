import { createHash } from "../support/node-crypto";
import { describe, expect, it } from "vitest";
import { subscriptionDelete, subscriptionUpdate } from "../../../src/connectors/mor/requests";

const sha1 = (s: string) => createHash("sha1").update(s, "utf8").digest("hex");
const common = { baseUrl: "https://billing.example.com/", username: "apiuser", secret: "456789" };

describe("subscriptionUpdate", () => {
  it("builds the seed request of docs/mor.md §C.3 (memo sent, hash over subscription_id only)", async () => {
    const req = await subscriptionUpdate({ ...common, subscriptionId: "10", activationEndS: 1255132800, memo: "acc_one" });
    expect(req.method).toBe("subscription_update");
    expect(req.url).toBe("https://billing.example.com/billing/api/subscription_update");
    expect(Object.fromEntries(req.form)).toEqual({
      u: "apiuser",
      subscription_id: "10",
      subscription_activation_end: "1255132800",
      subscription_memo: "acc_one",
      hash: "145ca5278d5edc90d4e4b69b869c461b3be6763e",
    });
  });

  it("omits the memo when not given and accepts a numeric id", async () => {
    const req = await subscriptionUpdate({ ...common, subscriptionId: 231, activationEndS: 1790000000 });
    expect(req.form.has("subscription_memo")).toBe(false);
    expect(req.form.get("subscription_id")).toBe("231");
    expect(req.form.get("hash")).toBe(sha1("231456789"));
  });

  it("sends and hashes the same canonical id (no leading zeros)", async () => {
    const req = await subscriptionUpdate({ ...common, subscriptionId: "010", activationEndS: 1 });
    expect(req.form.get("subscription_id")).toBe("10");
    expect(req.form.get("hash")).toBe(sha1("10456789"));
  });

  it("encodes the form as x-www-form-urlencoded", async () => {
    const req = await subscriptionUpdate({ ...common, subscriptionId: "10", activationEndS: 5, memo: "kd:a b&c" });
    expect(req.form.toString()).toContain("subscription_memo=kd%3Aa+b%26c");
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ["negative id", { subscriptionId: -1 }, /subscriptionId/],
    ["fractional id", { subscriptionId: 1.5 }, /subscriptionId/],
    ["non-numeric id", { subscriptionId: "12a" }, /subscriptionId/],
    ["empty id", { subscriptionId: "" }, /subscriptionId/],
    ["negative end", { activationEndS: -5 }, /activationEndS/],
    ["empty username", { username: " " }, /MOR_USERNAME/],
    ["bad base URL", { baseUrl: "billing.example.com" }, /MOR_BASE_URL/],
    ["non-http base URL", { baseUrl: "ftp://billing.example.com" }, /MOR_BASE_URL/],
  ];
  it.each(bad)("rejects %s naming the field", async (_label, override, pattern) => {
    await expect(subscriptionUpdate({ ...common, subscriptionId: "10", activationEndS: 1, ...override } as never)).rejects.toThrow(pattern);
  });

  it("does not echo the secret when it is rejected", async () => {
    const err = await subscriptionUpdate({ ...common, secret: "", subscriptionId: "10", activationEndS: 1 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/MOR_API_SECRET/);
  });
});

describe("subscriptionDelete", () => {
  it("reproduces the e0f93111… vector of the wiki (id 123, action 3)", async () => {
    const req = await subscriptionDelete({ ...common, baseUrl: "https://billing.example.com", subscriptionId: "123", action: 3 });
    expect(req.method).toBe("subscription_delete");
    expect(req.url).toBe("https://billing.example.com/billing/api/subscription_delete");
    expect(Object.fromEntries(req.form)).toEqual({
      u: "apiuser",
      subscription_id: "123",
      subscription_delete_action: "3",
      hash: "e0f93111f867ca5d424c0f0ebb6b678159086d00",
    });
  });

  it("accepts the action as a string (MOR_DELETE_ACTION) and hashes id then action", async () => {
    const req = await subscriptionDelete({ ...common, subscriptionId: 77, action: "2" });
    expect(req.form.get("subscription_delete_action")).toBe("2");
    expect(req.form.get("hash")).toBe(sha1("772456789"));
  });

  it.each([0, 4, -1, 1.5, "x", ""])("rejects action %j naming the field", async (action) => {
    await expect(subscriptionDelete({ ...common, subscriptionId: 1, action })).rejects.toThrow(/action/);
  });

  it("rejects a bad subscription id naming the field", async () => {
    await expect(subscriptionDelete({ ...common, subscriptionId: "abc", action: 1 })).rejects.toThrow(/subscriptionId/);
  });
});
