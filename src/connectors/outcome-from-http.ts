/**
 * @module connectors/outcome-from-http
 * Outcomes every connector reads the same way: a transport failure (no HTTP answer at all), always
 * worth retrying, and a redirect, never.
 */
import { excerpt, REASON_TIMEOUT, type AttemptOutcome } from "../delivery/outcome";
import type { HttpResult } from "./http";

/** Longest `Location` kept in a reason: enough to recognise the host and path. */
const MAX_LOCATION_CHARS = 200;

/**
 * A 3xx is permanent: the partner URL in the configuration is wrong (moved, http→https, a login
 * page in front), and repeating the call will get the same answer. Dead-lettered with the location,
 * so the operator can correct `setting` and replay.
 */
export function fromRedirect(partner: string, setting: string, result: Extract<HttpResult, { kind: "response" }>): AttemptOutcome {
  const location = result.location === null ? "no Location header" : `Location: ${excerpt(result.location, MAX_LOCATION_CHARS)}`;
  return {
    kind: "permanent",
    status: result.status,
    excerpt: location,
    reason: `${partner} answered HTTP ${result.status} (${location}); redirects are never followed: check ${setting}`,
  };
}

export function fromHttpError(result: Extract<HttpResult, { kind: "error" }>): AttemptOutcome {
  return { kind: "transient", excerpt: result.message, reason: result.reason === "timeout" ? REASON_TIMEOUT : "network error" };
}
