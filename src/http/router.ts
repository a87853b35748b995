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
import { health } from "./health";
import { jsonError } from "./json-error";

type Args = [Bindings, ExecutionContext];

export const router = Router<Request, Args>({
  catch: (err) => {
    console.error(JSON.stringify({ msg: "unhandled error", error: err instanceof Error ? err.message : String(err) }));
    return jsonError(500, "internal_error", "internal error");
  },
  finally: [(response) => response ?? jsonError(404, "not_found", "no such route")],
});

router
  .get("/healthz", (_req, env) => health(env))
  .all("/admin/*", (req, env, ctx) => handleAdmin(req, env, ctx))
  .all("/koogallery", (req, env, ctx) => handleKooGallery(req, env, ctx))
  .all("/activeplatform/*", (req, env, ctx) => handleActivePlatform(req, env, ctx));
