/**
 * @module connectors/http
 * One outbound HTTP attempt with a deadline. Never throws: a network error or a timeout is a
 * result like any other, so the caller can classify it and record it on the delivery.
 *
 * Redirects are never followed (`redirect: "manual"`): fetch would turn a POST answered 301/302/303
 * into a body-less GET, whose 200 would then count as delivered, and would repeat a 307/308 with
 * the signature, hash or token to wherever `Location` points. The 3xx comes back as the answer, and
 * {@link isRedirect} lets the caller record it as the configuration problem it is.
 */

/** Partners get this long per attempt; the queue retries, so a slow partner costs a retry, not a stuck consumer. */
export const ATTEMPT_TIMEOUT_MS = 15_000;

export type HttpResult =
  | { kind: "response"; status: number; text: string; retryAfter: string | null; location: string | null; durationMs: number }
  | { kind: "error"; reason: "timeout" | "network"; message: string; durationMs: number };

export async function attemptFetch(url: string, init: RequestInit, timeoutMs = ATTEMPT_TIMEOUT_MS): Promise<HttpResult> {
  const started = Date.now();
  try {
    const response = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    const headers = response.headers;
    return {
      kind: "response",
      status: response.status,
      text,
      retryAfter: headers.get("retry-after"),
      location: headers.get("location"),
      durationMs: Date.now() - started,
    };
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

/** Any 3xx: with `redirect: "manual"` it is the partner's whole answer, never a step towards one. */
export const isRedirect = (status: number): boolean => status >= 300 && status <= 399;
