/**
 * @module http/body
 * Reads a request body once, as text, with a size limit, before anything is verified or parsed.
 *
 * Content-Length is trusted only to refuse early; the stream is always counted, because a
 * chunked body has no length and a lying one must not make us buffer more than the limit.
 */

export const MAX_MARKETPLACE_BODY_BYTES = 64 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; reason: "too_large" | "unreadable" };

export async function readBodyText(request: Request, limit = MAX_MARKETPLACE_BODY_BYTES): Promise<BodyResult> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (!request.headers.has("transfer-encoding") && Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel();
    return { ok: false, reason: "too_large" };
  }
  if (!request.body) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        return { ok: false, reason: "too_large" };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, reason: "unreadable" };
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(all) };
  } catch {
    return { ok: false, reason: "unreadable" };
  }
}
