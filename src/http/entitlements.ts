/**
 * @module http/entitlements
 * `GET /entitlements/{key}` for the vendor's app (docs/contract.md "Reconciliation and entitlements"):
 * one instance's state, expiry, plan (personal data withheld), test flag and last change. Bearer
 * ENTITLEMENTS_TOKEN, compared in constant time; unset closes the route (503 naming the setting).
 *
 * Answers say `Cache-Control: private, max-age=5`, and the edge keeps a copy for as long in the
 * Cache API, keyed by the instance alone (never the token), consulted only after the token is
 * verified: a burst of app launches costs one Durable Object read per 5 seconds per colo.
 */
import type { Bindings } from "../bindings";
import { ConfigError, entitlementsToken } from "../config";
import { presentedToken } from "../admin/auth";
import { timingSafeEqual } from "../crypto/timing-safe";
import { jsonError } from "./json-error";
import { instanceObject } from "../instance/stub";

const ENTITLEMENT_MAX_AGE_S = 5;
const CLIENT_CACHE = `private, max-age=${ENTITLEMENT_MAX_AGE_S}`;
const MAX_KEY_CHARS = 512;

export async function handleEntitlement(request: Request, env: Bindings, ctx: ExecutionContext, rawKey: string): Promise<Response> {
  let expected: string;
  try {
    expected = entitlementsToken(env);
  } catch (err) {
    if (err instanceof ConfigError) return jsonError(503, "entitlements_disabled", `the entitlements route is disabled: ${err.message}`);
    throw err;
  }
  // Compare even when nothing was presented, so a missing header costs the same as a wrong one.
  const presented = presentedToken(request.headers.get("authorization"));
  const ok = await timingSafeEqual(presented, expected);
  if (!ok || presented === "") return jsonError(401, "unauthorized", "unauthorized", { "WWW-Authenticate": 'Bearer realm="entitlements"' });

  let key: string;
  try {
    key = decodeURIComponent(rawKey);
  } catch {
    return jsonError(400, "invalid_request", "path.key: malformed percent-encoding");
  }
  if (key === "" || key.length > MAX_KEY_CHARS) return notFound();

  const cacheKey = new Request(`${new URL(request.url).origin}/entitlements/${encodeURIComponent(key)}`, { method: "GET" });
  const cache = await edgeCache();
  const hit = await cache?.match(cacheKey).catch(() => undefined);
  if (hit) return withClientCache(new Response(hit.body, hit));

  const entitlement = await instanceObject(env, key).entitlement();
  if (!entitlement) return notFound();
  // The edge copy must be storable (the Cache API refuses `private`); the client's copy is private.
  if (cache)
    ctx.waitUntil(cache.put(cacheKey, Response.json(entitlement, { headers: { "Cache-Control": `max-age=${ENTITLEMENT_MAX_AGE_S}` } })).catch(() => undefined));
  return withClientCache(Response.json(entitlement));
}

const notFound = (): Response => withClientCache(jsonError(404, "not_found", "no such instance"), "no-store");

function withClientCache(response: Response, value = CLIENT_CACHE): Response {
  response.headers.set("Cache-Control", value);
  return response;
}

async function edgeCache(): Promise<Cache | null> {
  try {
    return await caches.open("entitlements");
  } catch {
    return null;
  }
}
