/**
 * Reading a marketplace body before anything else: the size limit (declared and counted), strict
 * UTF-8, and the bytes kept as they came (a BOM stays, since signatures cover the raw text).
 */
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, readBodyText, type BodyResult } from "../../src/http/body";

const LIMIT = MAX_BODY_BYTES;
const filler = (n: number) => "a".repeat(n);

/** A streamed body, one chunk per array entry, with no Content-Length of its own. */
function streamed(chunks: number[][], headers: Record<string, string> = {}): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new Uint8Array(c));
      controller.close();
    },
  });
  return new Request("https://gateway.test/", { method: "POST", body, headers });
}

const bytes = (s: string) => [...new TextEncoder().encode(s)];

describe("readBodyText", () => {
  it("limits every body to 64 KiB", () => {
    expect(MAX_BODY_BYTES).toBe(65_536);
  });

  const rows: Array<[string, () => Request, BodyResult]> = [
    ["a small body (control)", () => new Request("https://gateway.test/", { method: "POST", body: "{}" }), { ok: true, text: "{}" }],
    ["no body", () => new Request("https://gateway.test/", { method: "POST" }), { ok: true, text: "" }],
    ["exactly the limit", () => streamed([bytes(filler(LIMIT))]), { ok: true, text: filler(LIMIT) }],
    [
      "one byte over the limit, counted on the stream",
      () => streamed([bytes(filler(LIMIT / 2)), bytes(filler(LIMIT / 2 + 1))]),
      { ok: false, reason: "too_large" },
    ],
    [
      "a declared length over the limit is refused unread",
      () => streamed([bytes("{}")], { "content-length": String(LIMIT + 1) }),
      { ok: false, reason: "too_large" },
    ],
    [
      "a declared length is ignored alongside Transfer-Encoding",
      () => streamed([bytes("{}")], { "content-length": String(LIMIT + 1), "transfer-encoding": "chunked" }),
      { ok: true, text: "{}" },
    ],
    [
      "a character split across chunks",
      () =>
        streamed([
          [0x22, 0xc3],
          [0xa9, 0x22],
        ]),
      { ok: true, text: '"é"' },
    ],
    ["a byte order mark is kept", () => streamed([[0xef, 0xbb, 0xbf, 0x7b, 0x7d]]), { ok: true, text: "\ufeff{}" }],
    ["invalid UTF-8", () => streamed([[0x7b, 0xff, 0x7d]]), { ok: false, reason: "unreadable" }],
    ["a truncated UTF-8 sequence", () => streamed([[0x22, 0xc3]]), { ok: false, reason: "unreadable" }],
  ];

  it.each(rows)("%s", async (_label, request, expected) => {
    expect(await readBodyText(request())).toEqual(expected);
  });
});
