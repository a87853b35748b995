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
  return serialize(value, opts.dropNulls ?? false, 1) ?? "null";
}

/**
 * Written out member by member: a JavaScript object always lists integer-like keys first, in
 * numeric order ("1", "9", "10"), where Java's TreeMap sorts them as text ("1", "10", "9").
 */
function serialize(value: unknown, dropNulls: boolean, depth: number): string | undefined {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (depth > MAX_JSON_DEPTH) throw new JsonTooDeepError();
  if (Array.isArray(value)) return `[${value.map((v) => serialize(v, dropNulls, depth + 1) ?? "null").join(",")}]`;
  const source = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(source).sort()) {
    const member = source[key];
    if (member === undefined || (dropNulls && member === null)) continue;
    const text = serialize(member, dropNulls, depth + 1);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(",")}}`;
}
