/**
 * @module http/validation-issue
 * The first zod issue of a failed validation, reduced to what every dialect's error message
 * needs: which field, and whether it was missing or wrong. Parse with `{ reportInput: true }`:
 * zod 4 only tells "absent" from "wrong type" when it keeps the input.
 */
import type { z } from "zod";

export interface IssueSummary {
  /** Dotted path, empty for the root. */
  path: string;
  missing: boolean;
  code: string;
  message: string;
}

export function firstIssue(error: z.ZodError): IssueSummary | null {
  const issue = error.issues[0];
  if (!issue) return null;
  const missing = (issue.code === "invalid_type" || issue.code === "invalid_union") && issue.input === undefined;
  return { path: issue.path.map(String).join("."), missing, code: issue.code, message: issue.message };
}
