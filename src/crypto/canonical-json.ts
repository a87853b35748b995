/**
 * @module crypto/canonical-json
 * Compact JSON with object keys in ascending UTF-16 order at every depth, so equal content
 * serialises, and so hashes, equally.
 */

/** `dropNulls` also removes object members whose value is null, as Huawei's Jackson re-serialisation does. */
export function canonicalJson(value: unknown, opts: { dropNulls?: boolean } = {}): string {
  return JSON.stringify(canonicalize(value, opts.dropNulls ?? false));
}

function canonicalize(value: unknown, dropNulls: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => canonicalize(v, dropNulls));
  if (value !== null && typeof value === "object") {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      const member = source[key];
      if (member === undefined || (dropNulls && member === null)) continue;
      out[key] = canonicalize(member, dropNulls);
    }
    return out;
  }
  return value;
}
