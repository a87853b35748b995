/**
 * @module marketplaces/koogallery/respond
 * Every KooGallery answer: HTTP 200, JSON with `resultCode` first, and a `Body-Sign` header over
 * the exact bytes sent (docs/koogallery.md §2.3, §5.5). The body is serialised once, ASCII-only, and
 * that same string is signed and sent.
 */
import type { JsonObject } from "../../lifecycle/types";
import { asciiJson, bodySignHeader } from "./crypto/body-sign";
import { RESULT, type ResultCode } from "./result-codes";

const MESSAGES: Record<ResultCode, string> = {
  [RESULT.success]: "success.",
  [RESULT.authFailed]: "authentication failed",
  [RESULT.invalidParameter]: "invalid request parameter",
  [RESULT.instanceNotFound]: "instance does not exist",
  [RESULT.processing]: "request is being processed",
  [RESULT.internalError]: "internal error",
};

export function answerBody(resultCode: ResultCode, resultMsg?: string, extra: JsonObject = {}): JsonObject {
  return { resultCode, resultMsg: resultMsg ?? MESSAGES[resultCode], ...extra };
}

/** `accessKey` is null only when the key itself is not configured: then nothing can be signed. */
export async function kooGalleryResponse(accessKey: string | null, body: JsonObject): Promise<Response> {
  const text = asciiJson(body);
  const headers: Record<string, string> = { "Content-Type": "application/json;charset=UTF-8" };
  if (accessKey) headers["Body-Sign"] = await bodySignHeader(accessKey, text);
  return new Response(text, { status: 200, headers });
}
