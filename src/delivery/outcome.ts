/**
 * @module delivery/outcome
 * The one result type every connector's response classifier returns, plus the small HTTP helpers
 * the classifiers share. The retry policy (`delivery/retry-policy`) decides what to do with it.
 *
 * `kind` is the whole contract: `delivered` stops, `permanent` dead-letters at once, `transient`
 * backs off, `auth` means "the partner rejected our credentials": the caller refreshes them once and
 * then treats a repeat as `transient`.
 */

import { MAX_JSON_DEPTH } from "../http/json-depth";
import { isSecretField } from "../lifecycle/secrets";

export type AttemptOutcome =
  | { kind: "delivered"; status?: number; excerpt: string; data?: unknown }
  | { kind: "transient"; status?: number; excerpt: string; retryAfterS?: number; reason: string }
  | { kind: "permanent"; status?: number; excerpt: string; reason: string }
  | { kind: "auth"; status?: number; excerpt: string; reason: string };

/**
 * `reason` the fetch wiring should use for a client-side timeout (AbortSignal.timeout). The retry
 * policy recognises it and applies the overload floor, as it does for 429.
 */
export const REASON_TIMEOUT = "timeout";

const DEFAULT_EXCERPT_CHARS = 300;

/** Single-line, length-capped copy of a partner's answer for the delivery log. */
export function excerpt(text: string, max = DEFAULT_EXCERPT_CHARS): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= max) return line;
  // Keep the result within `max` including the ellipsis, so stored rows have a hard bound.
  return max <= 1 ? line.slice(0, Math.max(0, max)) : `${line.slice(0, max - 1)}…`;
}

// Login/refresh answers carry tokens and the vendor's provisioning reply may carry a password; the
// delivery log must never hold either (lifecycle/secrets lists the names).
const REDACTED = "[redacted]";

/** Partners' answers are untrusted: below MAX_JSON_DEPTH everything is redacted rather than walked. */
function redact(value: unknown, depth = 1): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_JSON_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretField(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

/**
 * Like {@link excerpt}, but a JSON body is re-serialised with the values of sensitive-looking keys
 * (lifecycle/secrets: password, secret, token, authorization, credential, …) replaced first. Non-JSON text is excerpted
 * as is.
 */
export function excerptRedacted(text: string, max = DEFAULT_EXCERPT_CHARS): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return excerpt(text, max);
  }
  if (parsed === null || typeof parsed !== "object") return excerpt(text, max);
  return excerpt(JSON.stringify(redact(parsed)), max);
}

/**
 * Transport-level verdict on a status code. 408/425/429 and 5xx are worth retrying; any other
 * non-2xx will not change by itself. 3xx counts as permanent because outbound calls do not follow
 * redirects: a redirect means the configured URL is wrong.
 */
export function classifyHttpStatus(status: number): "ok" | "transient" | "permanent" {
  if (status >= 200 && status <= 299) return "ok";
  if (status === 408 || status === 425 || status === 429) return "transient";
  if (status >= 500 && status <= 599) return "transient";
  return "permanent";
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as whole seconds from `nowMs`: either delta-seconds or an
 * HTTP-date. A date in the past gives 0. Anything unparseable gives `undefined`, so a garbage
 * header falls back to the normal schedule instead of failing the delivery.
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  // Only date-shaped values go to Date.parse, which otherwise accepts bare numbers like "-5" or "1.5".
  if (!/[A-Za-z]/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
