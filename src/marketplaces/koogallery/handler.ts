/**
 * @module marketplaces/koogallery/handler
 * `GET|POST /koogallery`. Chooses the generation by what authenticates the call (docs/koogallery.md
 * §5.2): `authToken` => V1, `signature` => V2. Always HTTP 200 with a signed body, errors included,
 * and only after the body has been read, whatever the method (see `http/body.ts`).
 */
import type { Bindings } from "../../bindings";
import { ConfigError, kooGalleryConfig, type KooGalleryConfig } from "../../config";
import { readBodyText, type BodyResult } from "../../http/body";
import { readV1Call, readV2Call, type KooGalleryCall } from "./inbound";
import { processCall } from "./process";
import { answerBody, kooGalleryResponse } from "./respond";
import { KooGalleryFault, RESULT } from "./result-codes";

export async function handleKooGallery(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
  const started = Date.now();
  const url = new URL(request.url);
  const text = await readBodyText(request);
  const bodyReadAt = Date.now();
  let config: KooGalleryConfig;
  try {
    config = kooGalleryConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return kooGalleryResponse(null, answerBody(RESULT.internalError, err.message));
    throw err;
  }

  let call: KooGalleryCall | undefined;
  let body;
  try {
    // The window is measured from when the body has arrived (it is read above, whatever the method).
    call = await readCall(request, text, url, config, bodyReadAt);
    body = await processCall(call, env, config, ctx);
  } catch (err) {
    body = faultBody(err);
  }
  log(call, url, body.resultCode, started, typeof body.instanceId === "string" ? body.instanceId : undefined);
  return kooGalleryResponse(config.accessKey, body);
}

async function readCall(request: Request, body: BodyResult, url: URL, config: KooGalleryConfig, nowMs: number): Promise<KooGalleryCall> {
  // Over the limit the rest of the body was never read: say so first, whatever else is wrong.
  if (!body.ok && body.reason === "too_large") throw new KooGalleryFault(RESULT.invalidParameter, "request body too large");
  const query = url.searchParams;
  if (query.has("authToken")) {
    if (request.method !== "GET") throw new KooGalleryFault(RESULT.invalidParameter, "authToken calls (V1) must use GET");
    return readV1Call(url, config);
  }
  if (query.has("signature")) {
    if (request.method !== "POST") throw new KooGalleryFault(RESULT.invalidParameter, "signature calls (V2) must use POST");
    return readV2Call(request, body, url, config, nowMs);
  }
  throw new KooGalleryFault(RESULT.authFailed, "missing authToken (V1) or signature, timestamp and nonce (V2)");
}

function faultBody(err: unknown) {
  if (err instanceof KooGalleryFault) return answerBody(err.resultCode, err.message);
  if (err instanceof ConfigError) return answerBody(RESULT.internalError, err.message);
  console.error({ msg: "koogallery call failed", error: err instanceof Error ? err.message : String(err) });
  return answerBody(RESULT.internalError, "internal error; KooGallery may retry");
}

/** `createdId`: the id the gateway answered newInstance with (the call itself names none). */
function log(call: KooGalleryCall | undefined, url: URL, resultCode: unknown, started: number, createdId?: string): void {
  const instanceId = call?.params.instanceId ?? createdId;
  // An object, not a JSON string: Workers Logs indexes its fields.
  console.log({
    route: "koogallery",
    generation: call?.generation,
    activity: call?.activity ?? url.searchParams.get("activity") ?? undefined,
    instance: instanceId && !instanceId.includes(",") ? `koogallery:${instanceId}` : undefined,
    instanceId,
    orderId: call?.params.orderId,
    resultCode,
    ms: Date.now() - started,
  });
}
