/**
 * @module admin/io
 * Input and output at the admin API's edge: every input goes through a zod schema (a failure is a
 * 400 naming the field), every output is parsed by its response schema before it is sent, so what
 * is served is exactly what the OpenAPI document describes.
 */
import type { z } from "zod";
import type { BodyResult } from "../http/body";
import { documentedOnly } from "./documented";

/** An answer other than success, thrown by route handlers and rendered as `{"error":{code,message}}`. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AdminError";
  }
}

/** Operators' answers are about live state; no proxy or browser should keep them. */
const HEADERS = { "Cache-Control": "no-store" };

/**
 * `data` through its response schema. Data the schema does not describe (written by an older
 * version, or a case the schema missed) is logged and sent with its documented fields only: the
 * operator still gets the answer, which may report an operation already done (a replay), and a
 * 500 would invite doing it again.
 */
export function send<S extends z.ZodType>(schema: S, data: z.input<S>, status = 200): Response {
  const parsed = schema.safeParse(data);
  if (parsed.success) return Response.json(parsed.data, { status, headers: HEADERS });
  console.error(
    JSON.stringify({
      msg: "admin response does not match its schema",
      schema: schema.meta()?.id,
      // Paths and codes only: the values may be personal data or secrets.
      issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join("."), code: i.code })),
    }),
  );
  return Response.json(documentedOnly(schema, data), { status, headers: HEADERS });
}

export function sendDocument(document: object): Response {
  return Response.json(document, { headers: HEADERS });
}

/** Validates `input` or throws a 400 that names the first failing field (never echoing its value). */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? `${where}.${issue.path.join(".")}` : where;
  throw new AdminError(400, "invalid_request", `${field}: ${issue?.message ?? "invalid"}`);
}

/**
 * The request body (already read, see `admin/handler.ts`) as JSON; `whenEmpty` stands in for an
 * absent body, or an absent body is a 400. A body over the limit never gets here.
 */
export function readJson(body: BodyResult, whenEmpty?: unknown): unknown {
  if (!body.ok) throw new AdminError(400, "invalid_request", "body is not readable UTF-8");
  if (body.text.trim() === "") {
    if (whenEmpty !== undefined) return whenEmpty;
    throw new AdminError(400, "invalid_request", "body: a JSON object is required");
  }
  try {
    return JSON.parse(body.text) as unknown;
  } catch {
    throw new AdminError(400, "invalid_request", "body: not valid JSON");
  }
}

export function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}
