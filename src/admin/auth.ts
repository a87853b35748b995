/**
 * @module admin/auth
 * Bearer-token check for `/admin`. An unset ADMIN_TOKEN closes the admin API (503 naming the
 * setting); it never opens it. A missing or wrong token gets one and the same 401, so a caller
 * cannot tell which of the two it was.
 */
import type { Bindings } from "../bindings";
import { adminToken, ConfigError } from "../config";
import { timingSafeEqual } from "../crypto/timing-safe";
import { jsonError } from "../http/json-error";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The presented token, or "" when the header is missing or not a bearer credential. */
export function presentedToken(authorization: string | null): string {
  return BEARER.exec(authorization ?? "")?.[1] ?? "";
}

/** Null when the request may proceed, else the answer to send. */
export async function checkAdminAuth(request: Request, env: Bindings): Promise<Response | null> {
  let expected: string;
  try {
    expected = adminToken(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      return jsonError(503, "admin_disabled", `the admin API is disabled: ${err.message}`);
    }
    throw err;
  }
  // Compare even when nothing was presented, so a missing header costs the same as a wrong one.
  const presented = presentedToken(request.headers.get("authorization"));
  const ok = await timingSafeEqual(presented, expected);
  if (ok && presented !== "") return null;
  return jsonError(401, "unauthorized", "unauthorized", { "WWW-Authenticate": 'Bearer realm="admin"' });
}
