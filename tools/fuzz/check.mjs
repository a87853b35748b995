/**
 * @module tools/fuzz/check
 * Where a fuzz request lands and whether the answer is in that caller's error form. Pure.
 *
 * - KooGallery (`/koogallery`): HTTP 200, a JSON object whose `resultCode` is not `000000`, and a
 *   `Body-Sign` that the independent signer verifies (docs/koogallery.md §2.3, §5.5).
 * - ActivePlatform with the right path secret: 4xx with `{"task":{"error_message": string}}`
 *   (docs/activeplatform.md §A.7), or 501 in that form for an event path we do not implement (§A.4).
 * - ActivePlatform with a wrong secret: 404, either form (the route is hidden, not refused).
 * - Admin: 401 without a valid token, else 4xx; `{"error":{"code","message"}}`.
 * - Anything else: the router's own 4xx in the admin form.
 */
import { verifyBodySign } from "../lib/koogallery-signer.mjs";

/** @typedef {"koogallery" | "activeplatform" | "activeplatform-hidden" | "admin" | "other"} Route */

/**
 * The route the Worker sees: the target is parsed as the runtime does (dot segments resolved,
 * `\` read as `/`), then matched like src/http/router.ts.
 * @param {string} target raw request target (latin1)
 * @param {string} pathSecret
 * @returns {Route}
 */
export function routeOf(target, pathSecret) {
  let pathname;
  try {
    pathname = new URL(`http://gateway${Buffer.from(target, "latin1").toString("utf8")}`).pathname;
  } catch {
    return "other";
  }
  // itty-router's patterns: "/koogallery" allows trailing slashes, "/x/*" also matches "/x".
  if (/^\/koogallery\/*$/.test(pathname)) return "koogallery";
  if (/^\/activeplatform(\/|$)/.test(pathname)) {
    const secret = pathname.split("/")[2] ?? "";
    return secret === pathSecret ? "activeplatform" : "activeplatform-hidden";
  }
  if (/^\/admin(\/|$)/.test(pathname)) return "admin";
  return "other";
}

/** @param {unknown} v @returns {v is Record<string, any>} */
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/** @param {unknown} body */
const isAdminError = (body) => isObject(body) && isObject(body.error) && typeof body.error.code === "string" && typeof body.error.message === "string";
/** @param {unknown} body */
const isTaskError = (body) => isObject(body) && isObject(body.task) && typeof body.task.error_message === "string";

/**
 * @typedef {object} Answer
 * @property {number} status
 * @property {Record<string, string | string[] | undefined>} headers lower-case names
 * @property {Buffer} body
 */

/**
 * Null when the answer is in the caller's error form, else what is wrong with it.
 * @param {{ method: string, path: string, creds: boolean }} request
 * @param {Answer} answer
 * @param {{ key: string, pathSecret: string }} ctx
 * @returns {string | null}
 */
export function formProblem(request, answer, ctx) {
  const route = routeOf(request.path, ctx.pathSecret);
  const { status } = answer;
  // A HEAD answer has no body to check.
  if (request.method === "HEAD") return status >= 500 ? `HEAD answered ${status}` : null;
  const text = answer.body.toString("utf8");
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return `${status} answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`;
  }
  switch (route) {
    case "koogallery": {
      if (status !== 200) return `KooGallery answer with HTTP ${status}`;
      if (!isObject(body) || typeof body.resultCode !== "string") return "KooGallery answer without a resultCode";
      if (body.resultCode === "000000") return "KooGallery answered success";
      const sign = answer.headers["body-sign"];
      if (!verifyBodySign(ctx.key, text, typeof sign === "string" ? sign : undefined))
        return `Body-Sign missing or does not verify (resultCode ${body.resultCode})`;
      return null;
    }
    case "activeplatform":
      if (!isTaskError(body)) return `ActivePlatform answer ${status} without task.error_message`;
      if (status >= 400 && status < 500) return null;
      return status === 501 ? null : `ActivePlatform error with HTTP ${status}`;
    case "activeplatform-hidden":
      // A wrong path secret is answered exactly as no route at all: 404, or 413 when the body is
      // over the limit (the router refuses it before any route, so the two stay indistinguishable).
      if (status !== 404 && status !== 413) return `wrong path secret answered ${status}, not 404 or 413`;
      return isAdminError(body) ? null : `wrong path secret: ${status} without the router's error body`;
    case "admin":
      if (!isAdminError(body)) return `admin answer ${status} without error.code/message`;
      if (!request.creds) return status === 401 ? null : `admin without a valid token answered ${status}`;
      return status >= 400 && status < 500 ? null : `admin answer with HTTP ${status}`;
    default:
      if (!isAdminError(body)) return `${status} answer without error.code/message`;
      return status >= 400 && status < 500 ? null : `router answer with HTTP ${status}`;
  }
}

/**
 * Whether a 5xx is a failure: every one is, except the documented 501 for an unimplemented
 * ActivePlatform event path.
 * @param {{ path: string }} request @param {Answer} answer @param {string} pathSecret
 */
export function isServerError(request, answer, pathSecret) {
  if (answer.status < 500) return false;
  return !(answer.status === 501 && routeOf(request.path, pathSecret) === "activeplatform");
}
