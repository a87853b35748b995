/**
 * @module http/router
 * Maps routes to handlers. Anything that escapes a handler becomes a JSON 500 without detail:
 * no stack trace or secret ever reaches a caller.
 */
import { Router } from "itty-router";
import { handleAdmin } from "../admin/handler";
import type { Bindings } from "../bindings";
import { handleActivePlatform } from "../marketplaces/activeplatform/handler";
import { handleKooGallery } from "../marketplaces/koogallery/handler";
import { countInbound, resultOf } from "../projection/inbound";
import { health } from "./health";
import { jsonError } from "./json-error";

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
  catch: (err) => {
    console.error({ msg: "unhandled error", error: err instanceof Error ? err.message : String(err) });
    return jsonError(500, "internal_error", "internal error");
  },
  finally: [(response) => response ?? jsonError(404, "not_found", "no such route")],
});

router
  .get("/healthz", (_req, env) => health(env))
  .all("/admin/*", (req, env, ctx) => handleAdmin(req, env, ctx))
  .all("/koogallery", counted("koogallery", handleKooGallery))
  .all("/activeplatform/*", counted("activeplatform", handleActivePlatform));
