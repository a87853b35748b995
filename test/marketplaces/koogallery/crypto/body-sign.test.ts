/**
 * Body-Sign header and ASCII-only JSON, checked by the independent signer.
 */
import { describe, expect, it } from "vitest";
import { asciiJson, bodySignHeader } from "../../../../src/marketplaces/koogallery/crypto/body-sign";
import { verifyBodySign } from "../../../../tools/lib/koogallery-signer.mjs";
import { K } from "./vectors";

const RESPONSE = { resultCode: "000000", resultMsg: "开通成功 ✓ café 😀", memo: 'quote " back\\slash \n' };

describe("asciiJson", () => {
  it("escapes every non-ASCII code unit as \\uXXXX", () => {
    expect(asciiJson({ memo: "é" })).toBe('{"memo":"\\u00e9"}');
    expect(asciiJson({ memo: "😀" })).toBe('{"memo":"\\ud83d\\ude00"}');
  });

  it("produces pure ASCII that parses back to the same value", () => {
    const body = asciiJson(RESPONSE);
    expect(/^[\x20-\x7e]*$/.test(body)).toBe(true);
    expect(JSON.parse(body)).toEqual(RESPONSE);
  });

  it("leaves ASCII-only values byte-identical to JSON.stringify", () => {
    const value = { resultCode: "000000", resultMsg: "success.", n: 1, list: [true, null] };
    expect(asciiJson(value)).toBe(JSON.stringify(value));
  });

  it("throws for values JSON cannot represent", () => {
    expect(() => asciiJson(undefined)).toThrow(TypeError);
  });
});

describe("bodySignHeader", () => {
  it("is accepted by the independent signer for the exact body", async () => {
    const body = asciiJson(RESPONSE);
    expect(verifyBodySign(K, body, await bodySignHeader(K, body))).toBe(true);
  });

  it("has the doc's exact shape", async () => {
    expect(await bodySignHeader(K, "{}")).toMatch(/^sign_type="HMAC-SHA256", signature= "[A-Za-z0-9+/]{43}="$/);
  });

  it("fails for a body changed in one byte, including whitespace", async () => {
    const body = asciiJson(RESPONSE);
    const header = await bodySignHeader(K, body);
    expect(verifyBodySign(K, `${body} `, header)).toBe(false);
    expect(verifyBodySign(K, body.replace("000000", "000001"), header)).toBe(false);
  });

  it("is signed with the Key only, not Key + timeStamp", async () => {
    const header = await bodySignHeader(`${K}20250101040000123`, "{}");
    expect(verifyBodySign(K, "{}", header)).toBe(false);
  });
});
