/**
 * @module http/router
 * Maps routes to handlers. Every request body is read (bounded) before any route answers, so no
 * answer leaves a connection unusable (see `http/body.ts`). Anything that escapes a handler
 * becomes a JSON 500 without detail: no stack trace or secret ever reaches a caller.
 */
import { Router } from "itty-router";
import { handleAdmin } from "../admin/handler";
import type { Bindings } from "../bindings";
import { handleActivePlatform } from "../marketplaces/activeplatform/handler";
import { handleKooGallery } from "../marketplaces/koogallery/handler";
import { readBodyText } from "./body";
import { countInbound, resultOf } from "../projection/inbound";
import { handleEntitlement } from "./entitlements";
import { health } from "./health";
import { jsonError } from "./json-error";
import { bodyRefusal, methodNotAllowed, noSuchRoute } from "./own-routes";

type Args = [Bindings, ExecutionContext];
type Handler = (request: Request, env: Bindings, ctx: ExecutionContext) => Promise<Response>;

/** Counts each answered marketplace call for /admin/stats, after the answer (projection/inbound.ts). */
const counted =
  (route: string, handle: Handler): Handler =>
  async (request, env, ctx) => {
    const response = await handle(request, env, ctx);
    const copy = response.clone();
    ctx.waitUntil(resultOf(route, copy).then((result) => countInbound(env, route, result)));
    return response;
  };

export const router = Router<Request, Args>({
  // Returns nothing, so routing goes on; handlers get the same result from readBodyText.
  before: [
    async (request) => {
      await readBodyText(request);
    },
  ],
  catch: (err) => {
    console.error({ msg: "unhandled error", error: err instanceof Error ? err.message : String(err) });
    return jsonError(500, "internal_error", "internal error");
  },
  finally: [(response, request) => response ?? noSuchRoute(request)],
});

const healthz: Handler = async (req, env) => (await bodyRefusal(req)) ?? health(env);
const entitlement: Handler = async (req, env, ctx) =>
  (await bodyRefusal(req)) ?? handleEntitlement(req, env, ctx, new URL(req.url).pathname.slice("/entitlements/".length));

// HEAD is answered as GET (the runtime sends no body), so monitors that probe with HEAD work.
router
  .get("/healthz", healthz)
  .head("/healthz", healthz)
  .all("/healthz", (req) => methodNotAllowed(req, "GET"))
  .all("/admin/*", (req, env, ctx) => handleAdmin(req, env, ctx))
  .get("/entitlements/:key", entitlement)
  .head("/entitlements/:key", entitlement)
  .all("/entitlements/:key", (req) => methodNotAllowed(req, "GET"))
  .all("/koogallery", counted("koogallery", handleKooGallery))
  .all("/activeplatform/*", counted("activeplatform", handleActivePlatform));
