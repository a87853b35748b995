import { createHash } from "../support/node-crypto";
import { describe, expect, it } from "vitest";
import { morHash } from "../../../src/connectors/mor/hash";

const sha1 = (s: string) => createHash("sha1").update(s, "utf8").digest("hex");

describe("morHash (docs/mor.md §C.3 vectors)", () => {
  const vectors: Array<[string, string[], string, string]> = [
    ["update: subscription_id only", ["10"], "456789", "145ca5278d5edc90d4e4b69b869c461b3be6763e"],
    ["delete: subscription_id, action", ["123", "3"], "456789", "e0f93111f867ca5d424c0f0ebb6b678159086d00"],
    ["wiki hash-construction example", ["123", "1252454580", "answered"], "Very Sercet Key", "b93c35d5c6183288322122561a3da7e09abb63b7"],
    ["user-update style", ["581"], "asdfghjkl", "b3b8a6f4063a0569212c91098627a9c394283bd6"],
    ["create, current doc order", ["2", "10"], "456789", "8d5c0c4a8e7243fcf3929202e859d8f6077b513e"],
    ["subscriptions_get: secret only", [], "secret", "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"],
  ];
  it.each(vectors)("%s", async (_label, values, secret, expected) => {
    expect(await morHash(values, secret)).toBe(expected);
  });

  it("agrees with node:crypto on UTF-8 input", async () => {
    expect(await morHash(["42", "kd:Grüße"], "clé-secrète")).toBe(sha1("42kd:Grüßeclé-secrète"));
  });
});
