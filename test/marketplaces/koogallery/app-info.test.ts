/**
 * The appInfo KooGallery shows the buyer (docs/koogallery.md §6 #9): the vendor's values, else the
 * configured front-end URL; V1 encrypts userName/password (encryptType "1"), V2 returns them as is.
 */
import { describe, expect, it } from "vitest";
import type { KooGalleryConfig } from "../../../src/config";
import type { InstanceRecord, JsonObject } from "../../../src/lifecycle/types";
import { appInfoFor } from "../../../src/marketplaces/koogallery/app-info";
import type { Generation } from "../../../src/marketplaces/koogallery/commands";
import { decryptCredential } from "../../../src/marketplaces/koogallery/crypto/aes";
import { KooGalleryFault } from "../../../src/marketplaces/koogallery/result-codes";
import { instanceRecord } from "../../support/instance-record";

const KEY = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
const config = (frontendUrl: string | null): KooGalleryConfig => ({ accessKey: KEY, timestampToleranceS: 60, frontendUrl });

const instance = (appInfo: JsonObject): InstanceRecord => instanceRecord({ appInfo });

const DEFAULT_URL = "https://app.example.test/";
const FULL = {
  frontEndUrl: "https://tenant.example.test/",
  adminUrl: "https://tenant.example.test/admin",
  userName: "admin",
  password: "P@ssw0rd!",
  memo: "welcome",
};

describe("appInfoFor: what is shown", () => {
  const rows: Array<[string, Generation, JsonObject, string | null, unknown]> = [
    ["the default front-end URL when the vendor sent nothing (control)", "v1", {}, DEFAULT_URL, { appInfo: { frontEndUrl: DEFAULT_URL } }],
    ["the same in V2", "v2", {}, DEFAULT_URL, { appInfo: { frontEndUrl: DEFAULT_URL } }],
    [
      "the vendor's front-end URL wins",
      "v2",
      { frontEndUrl: "https://tenant.example.test/" },
      DEFAULT_URL,
      { appInfo: { frontEndUrl: "https://tenant.example.test/" } },
    ],
    [
      "the vendor's front-end URL needs no default",
      "v1",
      { frontEndUrl: "https://tenant.example.test/" },
      null,
      { appInfo: { frontEndUrl: "https://tenant.example.test/" } },
    ],
    ["an empty vendor value falls back to the default", "v2", { frontEndUrl: "" }, DEFAULT_URL, { appInfo: { frontEndUrl: DEFAULT_URL } }],
    ["V2 returns credentials as they are, without encryptType", "v2", FULL, DEFAULT_URL, { appInfo: FULL }],
    [
      "V1 without credentials has no encryptType",
      "v1",
      { adminUrl: "https://tenant.example.test/admin", memo: "welcome" },
      DEFAULT_URL,
      { appInfo: { frontEndUrl: DEFAULT_URL, adminUrl: "https://tenant.example.test/admin", memo: "welcome" } },
    ],
    [
      "values that are not non-empty strings are left out",
      "v2",
      { adminUrl: "", userName: 5, password: null, memo: { text: "x" } },
      DEFAULT_URL,
      { appInfo: { frontEndUrl: DEFAULT_URL } },
    ],
    ["fields other than the five are never shown", "v2", { token: "t", refs: "r", extra: "e" }, DEFAULT_URL, { appInfo: { frontEndUrl: DEFAULT_URL } }],
  ];

  it.each(rows)("%s", async (_label, generation, stored, frontendUrl, expected) => {
    expect(await appInfoFor(instance(stored), config(frontendUrl), generation)).toEqual(expected);
  });
});

describe("appInfoFor: V1 credentials", () => {
  const rows: Array<[string, JsonObject, string[]]> = [
    ["both", { userName: "admin", password: "P@ssw0rd!" }, ["userName", "password"]],
    ["user name only", { userName: "admin" }, ["userName"]],
    ["password only", { password: "P@ssw0rd!" }, ["password"]],
  ];

  it.each(rows)("%s: encrypted with the access key, encryptType 1", async (_label, stored, fields) => {
    const { appInfo, encryptType } = await appInfoFor(instance({ ...stored, memo: "welcome" }), config(DEFAULT_URL), "v1");
    expect(encryptType).toBe("1");
    expect(appInfo.frontEndUrl).toBe(DEFAULT_URL);
    expect(appInfo.memo).toBe("welcome");
    for (const field of fields) {
      const wire = String(appInfo[field]);
      expect(wire).not.toBe(stored[field]);
      // 16-character IV, then base64 of AES-256-CBC.
      expect(await decryptCredential(KEY, wire)).toEqual({ plaintext: stored[field], bits: 256 });
    }
    expect(Object.keys(appInfo).sort()).toEqual(["frontEndUrl", "memo", ...fields].sort());
  });
});

describe("appInfoFor: no front-end URL anywhere", () => {
  it.each(["v1", "v2"] as const)("%s answers 000005 naming the setting", async (generation) => {
    const failure = await appInfoFor(instance({ userName: "admin" }), config(null), generation).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(KooGalleryFault);
    expect((failure as KooGalleryFault).resultCode).toBe("000005");
    expect((failure as KooGalleryFault).message).toBe("configuration KOOGALLERY_FRONTEND_URL is not set and the vendor supplied no frontEndUrl");
  });
});

describe("appInfoFor: KooGallery's 128-character limit on encrypted credentials", () => {
  it("a 79-byte password is encrypted within 128 characters; an 80-byte one is left out, the userName kept", async () => {
    const fits = "p".repeat(79);
    const ok = await appInfoFor(instance({ userName: "admin", password: fits }), config(DEFAULT_URL), "v1");
    expect(String(ok.appInfo.password).length).toBeLessThanOrEqual(128);
    expect((await decryptCredential(KEY, String(ok.appInfo.password)))?.plaintext).toBe(fits);

    const tooLong = await appInfoFor(instance({ userName: "admin", password: "p".repeat(80) }), config(DEFAULT_URL), "v1");
    expect(tooLong.appInfo.password).toBeUndefined();
    expect((await decryptCredential(KEY, String(tooLong.appInfo.userName)))?.plaintext).toBe("admin");
    expect(tooLong.encryptType).toBe("1");
  });

  it("counts bytes, not characters: 40 two-byte characters are 80 bytes", async () => {
    const answer = await appInfoFor(instance({ userName: "é".repeat(40) }), config(DEFAULT_URL), "v1");
    expect(answer.appInfo.userName).toBeUndefined();
    expect(answer.encryptType).toBeUndefined();
  });
});
