import { expect, it } from "vitest";
import { signV2 } from "../../tools/lib/koogallery-signer.mjs";
it("runs in node", () => {
  expect(typeof process.versions.node).toBe("string");
  expect(signV2("k", "{}", { nonce: "n", timestamp: "1" }).signature).toMatch(/^[0-9a-f]{64}$/);
});
