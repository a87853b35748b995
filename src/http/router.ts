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
import { health } from "./health";
import { jsonError } from "./json-error";
import { bodyRefusal, noSuchRoute } from "./own-routes";

type Args = [Bindings, ExecutionContext];

export const router = Router<Request, Args>({
  // Returns nothing, so routing goes on; handlers get the same result from readBodyText.
  before: [
    async (request) => {
      await readBodyText(request);
    },
  ],
  catch: (err) => {
    console.error(JSON.stringify({ msg: "unhandled error", error: err instanceof Error ? err.message : String(err) }));
    return jsonError(500, "internal_error", "internal error");
  },
  finally: [(response, request) => response ?? noSuchRoute(request)],
});

router
  .get("/healthz", async (req, env) => (await bodyRefusal(req)) ?? health(env))
  .all("/admin/*", (req, env, ctx) => handleAdmin(req, env, ctx))
  .all("/koogallery", (req, env, ctx) => handleKooGallery(req, env, ctx))
  .all("/activeplatform/*", (req, env, ctx) => handleActivePlatform(req, env, ctx));
