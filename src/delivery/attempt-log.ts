/**
 * @module delivery/attempt-log
 * One structured log object per attempt, wait or parking on either delivery queue (partner
 * deliveries and operational events), with the same fields, so Workers Logs can filter both alike.
 * No payload, no personal data.
 */

export interface AttemptSubject {
  queue: "deliveries" | "ops-events";
  instance?: string;
  deliveryId: string;
  connector: string;
  type: string;
}

/** What happened: the outcome, which attempt it was, how long it took, why, and when the next try is due. */
export type AttemptLine = [outcome: string, attempt: number, ms: number, reason?: string, retryInS?: number];

export function logAttempt(subject: AttemptSubject, ...[outcome, attempt, ms, reason, retryInS]: AttemptLine): void {
  console.log({
    ...subject,
    attempt,
    outcome,
    ms,
    ...(retryInS !== undefined ? { retryInS } : {}),
    ...(reason ? { reason } : {}),
  });
}
