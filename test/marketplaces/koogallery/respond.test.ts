/**
 * KooGallery answers (docs/koogallery.md §4, §5.5): resultCode first, the default resultMsg per
 * code, and a Body-Sign over the exact bytes sent (checked against the §2.5 vectors).
 */
import { describe, expect, it } from "vitest";
import { answerBody, kooGalleryResponse } from "../../../src/marketplaces/koogallery/respond";
import type { ResultCode } from "../../../src/marketplaces/koogallery/result-codes";
import { BODY_SIGN_VECTORS, K } from "./crypto/vectors";

describe("answerBody", () => {
  const rows: Array<[ResultCode, string]> = [
    ["000000", "success."],
    ["000001", "authentication failed"],
    ["000002", "invalid request parameter"],
    ["000003", "instance does not exist"],
    ["000004", "request is being processed"],
    ["000005", "internal error"],
  ];

  it.each(rows)("%s defaults to %j", (code, msg) => {
    expect(JSON.stringify(answerBody(code))).toBe(JSON.stringify({ resultCode: code, resultMsg: msg }));
  });

  it("takes a given message and extra members after the two", () => {
    expect(JSON.stringify(answerBody("000002", "missing parameter: orderId", { instanceId: "i-1" }))).toBe(
      '{"resultCode":"000002","resultMsg":"missing parameter: orderId","instanceId":"i-1"}',
    );
  });
});

describe("kooGalleryResponse", () => {
  it.each(BODY_SIGN_VECTORS.map((v) => [v.body, v.signature]))("signs %s as the vector does", async (body, signature) => {
    const res = await kooGalleryResponse(K, JSON.parse(body));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/json;charset=UTF-8");
    expect(res.headers.get("Body-Sign")).toBe(`sign_type="HMAC-SHA256", signature= "${signature}"`);
    expect(await res.text()).toBe(body);
  });

  it("sends non-ASCII escaped, so the signed bytes are the sent bytes", async () => {
    const res = await kooGalleryResponse(K, answerBody("000002", "ungültig"));
    expect(await res.text()).toBe('{"resultCode":"000002","resultMsg":"ung\\u00fcltig"}');
  });

  it("sends no Body-Sign without an access key", async () => {
    const res = await kooGalleryResponse(null, answerBody("000005"));
    expect(res.headers.has("Body-Sign")).toBe(false);
    expect(await res.text()).toBe('{"resultCode":"000005","resultMsg":"internal error"}');
  });
});
