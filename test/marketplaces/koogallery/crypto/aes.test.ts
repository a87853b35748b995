/**
 * Credential encryption round trips between src and the independent signer, and the failure cases.
 */
import { describe, expect, it } from "vitest";
import { decryptCredential, encryptCredential, MAX_CREDENTIAL_PLAINTEXT_BYTES } from "../../../../src/marketplaces/koogallery/crypto/aes";
import * as signer from "../../../../tools/lib/koogallery-signer.mjs";
import { ENC_VECTORS, K } from "./vectors";

const OTHER_KEY = "0f1e2d3c-4b5a-4968-8776-655443322110";

describe("encryptCredential / decryptCredential", () => {
  it("random IVs are 16 chars of [A-Za-z0-9] and differ between calls", async () => {
    const a = await encryptCredential(K, "13800000000");
    const b = await encryptCredential(K, "13800000000");
    expect(a.slice(0, 16)).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(a).not.toBe(b);
  });

  it.each([256, 128] as const)("src AES-%i output decrypts with the signer and vice versa", async (bits) => {
    for (const plaintext of ["user@example.com", "用户@例子.cn", "x", "p".repeat(MAX_CREDENTIAL_PLAINTEXT_BYTES)]) {
      expect(signer.decryptCredential(K, await encryptCredential(K, plaintext, { bits }))).toBe(plaintext);
      expect(await decryptCredential(K, signer.encryptCredential(K, plaintext, { bits }))).toEqual({ plaintext, bits });
    }
  });

  it("defaults to AES-256", async () => {
    expect((await decryptCredential(K, await encryptCredential(K, "admin")))?.bits).toBe(256);
  });

  it("accepts a ciphertext whose + was form-decoded into a space", async () => {
    let wire = "";
    for (let i = 0; !wire.slice(16).includes("+"); i++) {
      wire = signer.encryptCredential(K, `1380000${String(i).padStart(4, "0")}`, { iv: "AbCdEfGh12345678" });
    }
    const plaintext = signer.decryptCredential(K, wire);
    expect(await decryptCredential(K, wire.replace(/\+/g, " "))).toEqual({ plaintext, bits: 256 });
  });

  it.each(ENC_VECTORS)("returns null for $wire under another key", async ({ wire }) => {
    expect(await decryptCredential(OTHER_KEY, wire)).toBeNull();
    expect(signer.decryptCredential(OTHER_KEY, wire)).toBeNull();
  });

  it.each(["", "AbCdEfGh12345678", "AbCdEfGh12345678AAAA", "AbCdEfGh12345678!!!notbase64!!!", "AbCdEfGh1234567€EC3zRBKoyiiUJ55c5MkPDQ==", "13800000000"])(
    "returns null for malformed input %j",
    async (wire) => {
      expect(await decryptCredential(K, wire)).toBeNull();
      expect(signer.decryptCredential(K, wire)).toBeNull();
    },
  );

  it("returns null when the ciphertext is changed in one character", async () => {
    const wire = ENC_VECTORS[0]?.wire ?? "";
    const tampered = `${wire.slice(0, 20)}${wire[20] === "A" ? "B" : "A"}${wire.slice(21)}`;
    expect(await decryptCredential(K, tampered)).toBeNull();
  });

  it("rejects an IV that is not 16 printable ASCII characters", async () => {
    await expect(encryptCredential(K, "x", { iv: "short" })).rejects.toThrow(/iv/);
    await expect(encryptCredential(K, "x", { iv: "AbCdEfGh1234567 " })).rejects.toThrow(/iv/);
  });

  it("MAX_CREDENTIAL_PLAINTEXT_BYTES is the largest plaintext whose wire form fits 128 chars", async () => {
    const fits = await encryptCredential(K, "a".repeat(MAX_CREDENTIAL_PLAINTEXT_BYTES));
    expect(fits.length).toBeLessThanOrEqual(128);
    // One byte more would be 144 characters on the wire: refused, never sent.
    await expect(encryptCredential(K, "a".repeat(MAX_CREDENTIAL_PLAINTEXT_BYTES + 1))).rejects.toThrow(/over 79/);
  });
});
