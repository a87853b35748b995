/**
 * @module http/json-depth
 * How deeply untrusted JSON may nest. JSON.parse copes with any depth, but JSON.stringify,
 * structured clone (every Durable Object call) and the gateway's own recursive walks (canonical
 * JSON, personal-data stripping) overflow the stack on a 64 KiB body of nested brackets. Bodies
 * are checked once, right after parsing, and the recursive walks stop at the same bound.
 *
 * No marketplace body comes near it: KooGallery bodies are flat, ActivePlatform's nest four or
 * five levels (plan.resources[].…, tenant.contact.…) plus whatever vendor attributes hold.
 */

/** Containers (objects or arrays) inside one another, the outermost counting as 1. */
export const MAX_JSON_DEPTH = 32;

/** Thrown by a recursive walk that meets a value nested beyond MAX_JSON_DEPTH. */
export class JsonTooDeepError extends Error {
  constructor() {
    super(`JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
    this.name = "JsonTooDeepError";
  }
}

/** True when `value` nests more than `max` containers deep. Iterative: safe on any input. */
export function exceedsJsonDepth(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
