/**
 * Canonical JSON: compact, object keys in ascending UTF-16 code-unit order at every depth (the
 * order of Java's TreeMap<String, …>, which Huawei's V2 sample re-serialises with), and, for the
 * KooGallery V2 fallback, null members removed (docs/koogallery.md §2.2). String and number
 * spelling is JSON.stringify's; the rows below pin it.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/crypto/canonical-json";

/** The V2 request body of docs/koogallery.md §2.5: compact and sorted, so already canonical. */
const V2_BODY =
  '{"activity":"newInstance","businessId":"87b94795-0603-4e24-8ae5-69420d60e3c8","orderId":"CS2211181819B4LVS","orderLineId":"CS2211181819B4LVS-000001","testFlag":"1"}';

describe("canonicalJson: key order", () => {
  const rows: Array<[string, unknown, string]> = [
    ["already sorted (control)", { a: 1, b: 2 }, '{"a":1,"b":2}'],
    ["reversed", { b: 2, a: 1 }, '{"a":1,"b":2}'],
    // Upper case (0x41–0x5A) and "_" (0x5F) sort before lower case (0x61–0x7A); a prefix sorts first.
    ["by code unit, not alphabet", { b: 1, aa: 2, a: 3, _: 4, B: 5 }, '{"B":5,"_":4,"a":3,"aa":2,"b":1}'],
    ["camelCase KooGallery names", { orderLineId: 1, orderId: 2, order: 3 }, '{"order":3,"orderId":2,"orderLineId":1}'],
    // é (U+00E9) sorts after z; 😀 is the surrogate pair D83D DE00, which sorts before U+FB00 ﬀ in
    // UTF-16 order (code-point order would put it after).
    ["non-ASCII by UTF-16 code unit", { "\ufb00": 1, "😀": 2, é: 3, z: 4 }, '{"z":4,"é":3,"😀":2,"ﬀ":1}'],
    ["the empty key first", { a: 1, "": 2 }, '{"":2,"a":1}'],
    ["empty object", {}, "{}"],
  ];

  it.each(rows)("%s", (_label, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  // BUG: keys that look like array indices ("1", "9", "10") are sorted as strings, then put back
  // into a plain object, and JavaScript objects always enumerate such keys first, in numeric
  // order. TreeMap gives "1","10","9" and "-1" before "0". KooGallery V2 bodies have no such keys
  // today, so the V2 fallback is unaffected; ActivePlatform digests stay deterministic either way.
  it("integer-like keys in string order, as TreeMap does", () => {
    expect(canonicalJson({ 9: "a", 10: "b", 1: "c" })).toBe('{"1":"c","10":"b","9":"a"}');
    expect(canonicalJson({ 0: "a", "-1": "b" })).toBe('{"-1":"b","0":"a"}');
  });
});

describe("canonicalJson: structure", () => {
  const rows: Array<[string, unknown, string]> = [
    ["nested objects sorted at every depth", { z: { y: { b: 1, a: 2 }, x: 0 } }, '{"z":{"x":0,"y":{"a":2,"b":1}}}'],
    ["arrays keep their order", { list: [3, 1, 2] }, '{"list":[3,1,2]}'],
    ["objects inside arrays are sorted", [{ b: 1, a: 2 }, [{ d: 1, c: 2 }]], '[{"a":2,"b":1},[{"c":2,"d":1}]]'],
    ["undefined members are left out", { a: undefined, b: 1 }, '{"b":1}'],
    ["null members are kept by default", { b: null, a: { c: null } }, '{"a":{"c":null},"b":null}'],
    ["top-level null", null, "null"],
    ["top-level string", "x", '"x"'],
    ["top-level array", [], "[]"],
  ];

  it.each(rows)("%s", (_label, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe("canonicalJson: dropNulls (KooGallery V2 fallback)", () => {
  const rows: Array<[string, unknown, string]> = [
    ["no nulls (control)", { b: "1", a: "2" }, '{"a":"2","b":"1"}'],
    ["a null member is removed", { memo: null, activity: "x" }, '{"activity":"x"}'],
    ["at every depth", { a: { b: null, c: { d: null, e: 1 } } }, '{"a":{"c":{"e":1}}}'],
    ["an object left empty stays", { a: { b: null } }, '{"a":{}}'],
    // Only members are dropped (Jackson skips null map values); an array keeps its positions.
    ["nulls inside arrays stay", { a: [null, 1, null] }, '{"a":[null,1,null]}'],
    ["objects in arrays lose their null members", { a: [{ b: null, c: 1 }] }, '{"a":[{"c":1}]}'],
    ["empty strings, false and 0 are not null", { a: "", b: false, c: 0 }, '{"a":"","b":false,"c":0}'],
    ["top-level null stays null", null, "null"],
  ];

  it.each(rows)("%s", (_label, value, expected) => {
    expect(canonicalJson(value, { dropNulls: true })).toBe(expected);
  });
});

describe("canonicalJson: scalars as JSON.stringify spells them", () => {
  const rows: Array<[string, unknown, string]> = [
    ["integer", 42, "42"],
    ["negative", -7, "-7"],
    ["1.0 has no fraction", 1.0, "1"],
    ["decimal", 0.1, "0.1"],
    ["negative zero", -0, "0"],
    ["large exponent", 1e21, "1e+21"],
    ["small exponent", 1e-7, "1e-7"],
    ["NaN is null", NaN, "null"],
    ["Infinity is null", Infinity, "null"],
    ["booleans", [true, false], "[true,false]"],
    ["quote and backslash escaped", 'a"b\\c', '"a\\"b\\\\c"'],
    ["short escapes for \\b \\f \\n \\r \\t", "\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'],
    ["other control characters as \\u00XX", "\u0001\u001f", '"\\u0001\\u001f"'],
    ["slash is not escaped", "a/b", '"a/b"'],
    ["non-ASCII is written as is", "é密😀", '"é密😀"'],
    ["U+2028 is written as is", "\u2028", '"\u2028"'],
    ["a lone surrogate is escaped", "\ud800", '"\\ud800"'],
    ["DEL is written as is", "\u007f", '"\u007f"'],
  ];

  it.each(rows)("%s", (_label, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe("canonicalJson: the V2 protocol vector", () => {
  it("leaves the compact sorted body as it is", () => {
    expect(canonicalJson(JSON.parse(V2_BODY))).toBe(V2_BODY);
    expect(canonicalJson(JSON.parse(V2_BODY), { dropNulls: true })).toBe(V2_BODY);
  });

  it("turns a pretty, reordered copy with a null member back into it", () => {
    const pretty = `{
  "testFlag": "1",
  "orderLineId": "CS2211181819B4LVS-000001",
  "memo": null,
  "orderId": "CS2211181819B4LVS",
  "businessId": "87b94795-0603-4e24-8ae5-69420d60e3c8",
  "activity": "newInstance"
}`;
    expect(canonicalJson(JSON.parse(pretty), { dropNulls: true })).toBe(V2_BODY);
  });
});
