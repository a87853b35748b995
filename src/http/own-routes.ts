/**
 * @module http/own-routes
 * Answers of the gateway's own routes (health, no route) that depend on the request body, in
 * their `{"error":{"code","message"}}` form.
 */
import { bodyTooLarge, MAX_BODY_BYTES } from "./body";
import { jsonError } from "./json-error";

export const bodyTooLargeError = (): Response => jsonError(413, "body_too_large", `body is larger than ${MAX_BODY_BYTES} bytes`);

/** The 413 for a body over the limit, else null: the route's own answer follows. */
export async function bodyRefusal(request: Request): Promise<Response | null> {
  return (await bodyTooLarge(request)) ? bodyTooLargeError() : null;
}

/** A route that exists, asked with another method: 405 naming the one it takes, as the admin API answers. */
export async function methodNotAllowed(request: Request, allow: "GET"): Promise<Response> {
  return (await bodyRefusal(request)) ?? jsonError(405, "method_not_allowed", `use ${allow}`, { Allow: allow });
}

/**
 * No such route. A wrong ActivePlatform path secret answers with this too, so that the route
 * cannot be told from no route, whatever the body (docs/activeplatform.md §A.3).
 */
export async function noSuchRoute(request: Request): Promise<Response> {
  return (await bodyRefusal(request)) ?? jsonError(404, "not_found", "no such route");
}
