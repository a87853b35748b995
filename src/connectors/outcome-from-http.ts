/**
 * @module connectors/outcome-from-http
 * A transport failure (no HTTP answer at all) as an attempt outcome: always worth retrying.
 */
import { REASON_TIMEOUT, type AttemptOutcome } from "../delivery/outcome";
import type { HttpResult } from "./http";

export function fromHttpError(result: Extract<HttpResult, { kind: "error" }>): AttemptOutcome {
  return { kind: "transient", excerpt: result.message, reason: result.reason === "timeout" ? REASON_TIMEOUT : "network error" };
}
