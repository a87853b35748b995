/**
 * @module http/body
 * Reads a request body once, as text, with a size limit, before anything is verified, parsed or
 * answered.
 *
 * Every route reads the body before it answers, and nothing ever cancels one: an answer given
 * while the body is still arriving, or after cancelling it, makes workerd drop the connection,
 * and the next request on it (a valid call as likely as not) fails with a reset, or with a 503
 * under `wrangler dev`. The router reads every body first (`http/router.ts`); handlers then get
 * the same result from here, however often they ask.
 *
 * Content-Length is trusted only to refuse early; the stream is always counted, because a
 * chunked body has no length and a lying one must not make us buffer more than the limit. Past
 * the limit nothing more is kept, but the rest is still read (up to {@link MAX_DRAIN_BYTES}) so
 * that the 413 leaves the connection usable; beyond that, that connection goes.
 */

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Past the limit, the rest of a body is still read (and dropped) up to this much, so that the 413
 * does not go out while the body is arriving, which drops the connection under wrangler dev. A
 * body larger than this is not worth the wait: that connection goes.
 */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; reason: "too_large" | "unreadable" };

const reads = new WeakMap<Request, Promise<BodyResult>>();

/** The body of `request`, read on the first call; every later call gets the same result. */
export function readBodyText(request: Request): Promise<BodyResult> {
  let read = reads.get(request);
  if (!read) {
    read = readOnce(request);
    reads.set(request, read);
  }
  return read;
}

/** True when the body is over the limit: the one body problem every route answers, read or not. */
export async function bodyTooLarge(request: Request): Promise<boolean> {
  const body = await readBodyText(request);
  return !body.ok && body.reason === "too_large";
}

async function readOnce(request: Request): Promise<BodyResult> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (!request.headers.has("transfer-encoding") && Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    // Announced too large: not buffered, but read through (dropped) when that is bounded.
    if (declared > MAX_DRAIN_BYTES || !request.body) return { ok: false, reason: "too_large" };
    const reader = request.body.getReader();
    try {
      return await drain(reader, 0);
    } finally {
      reader.releaseLock();
    }
  }
  if (!request.body) return { ok: true, text: "" };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = request.body.getReader();
  } catch {
    return { ok: false, reason: "unreadable" };
  }
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) return await drain(reader, size);
      chunks.push(value);
    }
  } catch {
    return { ok: false, reason: "unreadable" };
  } finally {
    reader.releaseLock();
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

/** Reads and drops the rest of an oversized body, up to {@link MAX_DRAIN_BYTES}. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, size: number): Promise<BodyResult> {
  let seen = size;
  try {
    while (seen <= MAX_DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value.byteLength;
    }
  } catch {
    // The client gave up sending: the answer is the same.
  }
  return { ok: false, reason: "too_large" };
}
