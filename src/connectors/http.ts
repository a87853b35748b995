/**
 * @module connectors/http
 * One outbound HTTP attempt with a deadline. Never throws: a network error or a timeout is a
 * result like any other, so the caller can classify it and record it on the delivery.
 */

/** Partners get this long per attempt; the queue retries, so a slow partner costs a retry, not a stuck consumer. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

export type HttpResult =
  | { kind: "response"; status: number; text: string; retryAfter: string | null; durationMs: number }
  | { kind: "error"; reason: "timeout" | "network"; message: string; durationMs: number };

export async function attemptFetch(url: string, init: RequestInit, timeoutMs = ATTEMPT_TIMEOUT_MS): Promise<HttpResult> {
  const started = Date.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { kind: "response", status: response.status, text, retryAfter: response.headers.get("retry-after"), durationMs: Date.now() - started };
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return {
      kind: "error",
      reason: timedOut ? "timeout" : "network",
      message: timedOut ? `no answer within ${timeoutMs} ms` : err instanceof Error ? err.message : String(err),
      durationMs: Date.now() - started,
    };
  }
}
