/**
 * @module connectors/mor/response
 * Reads MOR's XML answers and classifies them (docs/mor.md §C.5). MOR answers HTTP 200 even on failure;
 * the verdict is the text of `<success>`, `<error>` or `<info>`, found under `<page><status>`, under
 * `<status>` alone (older builds), bare at the root (`<error>API Requests are disabled</error>`), or
 * inside the `<HTML>` wrapper of the "XML API Extension" setting.
 *
 * Per the spec only transport trouble is retried (5xx, timeouts, non-XML or unrecognisable bodies):
 * an `<error>` is MOR's considered answer and repeating the call will not change it. So is an
 * `<info>` ("Not possible to change dates", "Not possible to set activation end until canceled"):
 * MOR did not apply the change and never will for that subscription type (docs/mor.md §C.5).
 */
import { XMLParser } from "fast-xml-parser";
import { classifyHttpStatus, excerpt, type AttemptOutcome } from "../../delivery/outcome";
import type { MorMethod } from "./requests";

export type MorStatus =
  | { kind: "success"; message: string; id?: string }
  | { kind: "error"; message: string }
  /** MOR understood the call and declined it (`<info>`): final, nothing changed. */
  | { kind: "info"; message: string };

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Keep every value a string: ids must not become numbers and messages must stay verbatim.
  parseTagValue: false,
  trimValues: true,
});

// How deep to look for <success>/<error>: html > body > page > status > success is depth 5.
const MAX_DEPTH = 6;

function textOf(node: unknown): string | undefined {
  if (typeof node === "string") return node.trim();
  if (Array.isArray(node)) return textOf(node[0]);
  if (node !== null && typeof node === "object") {
    const text = (node as Record<string, unknown>)["#text"];
    return typeof text === "string" ? text.trim() : "";
  }
  return undefined;
}

function findKey(node: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(node).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : node[key];
}

/**
 * Breadth-first search for the shallowest element holding `<success>`, `<error>` or `<info>`,
 * matching tag names case-insensitively. If one element has several, error beats info beats
 * success: we would rather hold a delivery for a human than mark it done on a contradictory answer.
 */
function findStatus(root: unknown): MorStatus | undefined {
  let level: unknown[] = [root];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const node of level) {
      if (Array.isArray(node)) {
        next.push(...node);
        continue;
      }
      if (node === null || typeof node !== "object") continue;
      const record = node as Record<string, unknown>;
      const error = textOf(findKey(record, "error"));
      if (error !== undefined) return { kind: "error", message: error };
      const info = textOf(findKey(record, "info"));
      if (info !== undefined) return { kind: "info", message: info };
      const success = textOf(findKey(record, "success"));
      if (success !== undefined) {
        const id = textOf(findKey(record, "id"));
        return id ? { kind: "success", message: success, id } : { kind: "success", message: success };
      }
      for (const [key, child] of Object.entries(record)) if (key !== "#text") next.push(child);
    }
    level = next;
  }
  return undefined;
}

/** The `<success>`/`<error>`/`<info>` verdict of a MOR answer, or `undefined` if the body is not one. */
export function parseMorXml(text: string): MorStatus | undefined {
  // Strip the XML API Extension wrapper textually too, so a sloppy HTML shell around the XML (unclosed
  // <br>, doctype) cannot upset the parser.
  const unwrapped = text.replace(/^\s*(?:<!doctype[^>]*>\s*)?<html[^>]*>/i, "").replace(/<\/html>\s*$/i, "");
  if (!unwrapped.includes("<")) return undefined;
  let tree: unknown;
  try {
    tree = parser.parse(unwrapped);
  } catch {
    return undefined;
  }
  return findStatus(tree);
}

/** Known MOR error texts (docs/mor.md §C.5) with what they mean for an operator. */
const MOR_ERRORS: Readonly<Record<string, string>> = Object.freeze({
  "API Requests are disabled": "MOR API is switched off (Allow API globally)",
  "Access Denied": "MOR refused the user (unknown user, wrong role, or auth failure)",
  "You are not authorised to use this functionality": "MOR user lacks the Manage Subscription permission",
  "You are not authorized to manage Subscriptions": "MOR user lacks the Manage Subscription permission",
  "Incorrect hash": "MOR rejected the hash (wrong API secret or parameter order)",
  "Subscription was not found": "MOR subscription id is unknown (reconcile the instance ref)",
  "Subscription delete action was not found": "MOR delete action is not 1, 2 or 3",
  "Subscription disabled": "MOR subscription is disabled",
  "No Subscriptions found": "MOR lookup matched nothing",
  "User has insufficient balance": "MOR prepaid user has insufficient balance",
  "Service was not found": "MOR service id is unknown",
  "One or more Service was not found": "MOR service id is unknown",
  "User was not found": "MOR user id is unknown",
  "user_id must be provided": "MOR user id is missing",
  "user_id must be non negative integer": "MOR user id is invalid",
  "Subscription activation start/end date must be valid timestamp": "MOR rejected the activation timestamp",
  "Activation start date must be earlier than end date": "MOR rejected the activation period",
});

// Exact text first; the normalised form only forgives case, spacing and a trailing full stop.
const normalise = (s: string): string => s.replace(/\s+/g, " ").replace(/\.$/, "").trim().toLowerCase();
const isError = (message: string, known: string): boolean => normalise(message) === normalise(known);

export interface MorCallContext {
  method: MorMethod;
  /** `subscription_delete_action` of the request, for `subscription_delete` (as sent, or as a number). */
  action?: number | string;
  /**
   * An earlier attempt of this delivery was made and may have reached MOR (it timed out or got no
   * readable answer), so a delete may already be done.
   */
  retry?: boolean;
}

export function classifyMorResponse(status: number, text: string, { method, action, retry = false }: MorCallContext): AttemptOutcome {
  const verdict = classifyHttpStatus(status);
  if (verdict === "transient") {
    return { kind: "transient", status, excerpt: excerpt(text), reason: `MOR answered HTTP ${status}` };
  }
  const parsed = parseMorXml(text);
  if (verdict === "permanent") {
    // A 4xx/3xx is a wrong URL or a proxy in the way; MOR itself answers 200.
    const reason = parsed?.kind === "error" || parsed?.kind === "info" ? `MOR ${parsed.kind}: ${parsed.message}` : `MOR answered HTTP ${status}`;
    return { kind: "permanent", status, excerpt: excerpt(text), reason };
  }
  if (parsed === undefined) {
    return { kind: "transient", status, excerpt: excerpt(text), reason: "MOR answer has no <success>, <error> or <info> (not MOR XML)" };
  }
  if (parsed.kind === "success") {
    const data = parsed.id === undefined ? { message: parsed.message } : { message: parsed.message, id: parsed.id };
    return { kind: "delivered", status, excerpt: excerpt(text), data };
  }

  const message = parsed.message;
  if (parsed.kind === "info") {
    return { kind: "permanent", status, excerpt: excerpt(text), reason: `MOR did not apply the change, final answer (info): ${message}` };
  }
  if (method === "subscription_delete" && Number(action) === 2 && isError(message, "Subscription disabled")) {
    // The delete page lists it as an error, but it is exactly what action 2 asks for.
    return { kind: "delivered", status, excerpt: excerpt(`disabled: ${text}`), data: { message } };
  }
  if (method === "subscription_delete" && retry && isError(message, "Subscription was not found")) {
    // Delete is idempotent: after a timed-out earlier attempt the subscription is already gone. On a
    // first attempt the same answer means the ref names no subscription, while the real one may
    // still be billing: that is for an operator to reconcile, not a success.
    return { kind: "delivered", status, excerpt: excerpt(`already deleted: ${text}`), data: { message } };
  }
  const known = Object.keys(MOR_ERRORS).find((k) => isError(message, k));
  const reason = known === undefined ? `MOR error: ${message}` : `MOR error: ${message} (${MOR_ERRORS[known]})`;
  return { kind: "permanent", status, excerpt: excerpt(text), reason };
}
