/**
 * The answer forms of the gateway's callers (docs/contract.md "Inbound routes"), as checks on a raw
 * HTTP reply. Each returns null when the reply has the form, else what is wrong with it.
 */
import { verifyBodySign } from "../../../tools/lib/koogallery-signer.mjs";
import type { Reply } from "./http-client";

export type Form =
  /** KooGallery: HTTP 200, JSON with `resultCode`, a `Body-Sign` that verifies (docs/koogallery.md §2.3). */
  | "koogallery"
  /**
   * ActivePlatform: a 4xx with `{"task":{"error_message"}}` (docs/activeplatform.md §A.7), or a
   * 501 for an event path the gateway does not implement (§A.4).
   */
  | "activeplatform"
  /** No such route, and a wrong ActivePlatform path secret, which must look the same (docs/activeplatform.md §A.3). */
  | "not-found"
  /** Admin and the gateway's own routes: a 4xx with `{"error":{"code","message"}}`. */
  | "admin"
  /** `GET /healthz`: 200 with the health document. */
  | "health"
  /** One of the gateway's own GET routes asked with another method: 405, `Allow: GET`. */
  | "wrong-method"
  /** A HEAD answer has no body to check: no 5xx, nothing sent. */
  | "head";

/** The exact answer for an unknown route; a wrong path secret must be indistinguishable from it. */
const NOT_FOUND = JSON.stringify({ error: { code: "not_found", message: "no such route" } });

function json(reply: Reply): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(reply.text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === "string" && v !== "";
const clientError = (status: number) => status >= 400 && status < 500;

/** Null when `reply` has `form`; `accessKey` verifies KooGallery's Body-Sign. */
export function formProblem(form: Form, reply: Reply, accessKey: string): string | null {
  const body = json(reply);
  switch (form) {
    case "koogallery": {
      if (reply.status !== 200) return `HTTP ${reply.status}, expected 200`;
      if (!body || !nonEmpty(body.resultCode)) return "no resultCode";
      const sign = reply.headers["body-sign"];
      if (!verifyBodySign(accessKey, reply.text, typeof sign === "string" ? sign : null)) return "Body-Sign does not verify";
      return null;
    }
    case "activeplatform":
      if (!clientError(reply.status) && reply.status !== 501) return `HTTP ${reply.status}, expected 4xx`;
      return body && isObject(body.task) && nonEmpty(body.task.error_message) ? null : "not {task:{error_message}}";
    case "not-found":
      if (reply.status !== 404) return `HTTP ${reply.status}, expected 404`;
      return reply.text === NOT_FOUND ? null : "not the unknown-route answer";
    case "admin":
      if (!clientError(reply.status)) return `HTTP ${reply.status}, expected 4xx`;
      return body && isObject(body.error) && nonEmpty(body.error.code) && nonEmpty(body.error.message) ? null : "not {error:{code,message}}";
    case "health":
      if (reply.status !== 200) return `HTTP ${reply.status}, expected 200`;
      return body && nonEmpty(body.status) && nonEmpty(body.version) ? null : "not the health document";
    case "wrong-method":
      if (reply.status !== 405) return `HTTP ${reply.status}, expected 405`;
      if (reply.headers["allow"] !== "GET") return "no Allow: GET";
      return body && isObject(body.error) && body.error.code === "method_not_allowed" ? null : "not {error:{code:method_not_allowed}}";
    case "head":
      if (reply.status < 200 || reply.status >= 500) return `HTTP ${reply.status}`;
      return reply.text === "" ? null : "a HEAD answer with a body";
  }
}
