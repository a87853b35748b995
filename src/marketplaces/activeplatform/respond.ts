/**
 * @module marketplaces/activeplatform/respond
 * Every ActivePlatform answer. Errors are any non-2xx status with
 * `{"task":{"error_message": "..."}}` (docs/activeplatform.md §A.7); ActivePlatform shows the message
 * to the operator, so it says what is wrong and never carries a secret or personal data.
 */
import type { JsonObject } from "../../lifecycle/types";

/** Status codes per §A.7, plus 405, 413 and 501 for what the transport itself refuses. */
export const STATUS = {
  ok: 200,
  created: 201,
  malformed: 400,
  forbidden: 403,
  unknown: 404,
  method: 405,
  conflict: 409,
  tooLarge: 413,
  rejected: 422,
  internal: 500,
  notImplemented: 501,
  transient: 503,
} as const;

/** A refusal with its status; thrown anywhere below the handler and rendered once. */
export class ApFault extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly outcome: string = "rejected",
  ) {
    super(message);
    this.name = "ApFault";
  }
}

export interface ApAnswer {
  status: number;
  body: JsonObject;
  /** For the log line: applied, duplicate, allowed, denied, rejected, ... */
  outcome: string;
}

export const taskError = (status: number, message: string, outcome = "rejected"): ApAnswer => ({
  status,
  body: { task: { error_message: message } },
  outcome,
});

export function apResponse(answer: ApAnswer, headers: Record<string, string> = {}): Response {
  return Response.json(answer.body, { status: answer.status, headers });
}
