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

/**
 * No such route. A wrong ActivePlatform path secret answers with this too, so that the route
 * cannot be told from no route, whatever the body (docs/activeplatform.md §A.3).
 */
export async function noSuchRoute(request: Request): Promise<Response> {
  return (await bodyRefusal(request)) ?? jsonError(404, "not_found", "no such route");
}
