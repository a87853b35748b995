/**
 * @module crypto/canonical-json
 * Compact JSON with object keys in ascending UTF-16 order at every depth, so equal content
 * serialises, and so hashes, equally.
 */
import { JsonTooDeepError, MAX_JSON_DEPTH } from "../http/json-depth";

/**
 * `dropNulls` also removes object members whose value is null, as Huawei's Jackson re-serialisation does.
 * Throws JsonTooDeepError for a value nested beyond MAX_JSON_DEPTH rather than overflowing the stack.
 */
export function canonicalJson(value: unknown, opts: { dropNulls?: boolean } = {}): string {
  return JSON.stringify(canonicalize(value, opts.dropNulls ?? false, 1));
}

function canonicalize(value: unknown, dropNulls: boolean, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_JSON_DEPTH) throw new JsonTooDeepError();
  if (Array.isArray(value)) return value.map((v) => canonicalize(v, dropNulls, depth + 1));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) {
    const member = source[key];
    if (member === undefined || (dropNulls && member === null)) continue;
    out[key] = canonicalize(member, dropNulls, depth + 1);
  }
  return out;
}
