/**
 * @module crypto/timing-safe
 * Constant-time comparison of secrets and signatures.
 *
 * Both sides are hashed with SHA-256 first so that the compare always runs over 32 bytes:
 * `crypto.subtle.timingSafeEqual` throws on unequal lengths and is not constant-time with
 * respect to length, and hashing removes both problems.
 */
import { sha256 } from "./digest";
import { utf8 } from "./encoding";

type Comparable = string | Uint8Array;

export async function timingSafeEqual(a: Comparable, b: Comparable): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(a), sha256(b)]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/**
 * The synchronous form, for code that cannot await (inside a Durable Object transaction). Both
 * sides are padded to the longer length, so the time taken depends on the lengths only, never on
 * where the first difference is.
 */
export function timingSafeEqualSync(a: string, b: string): boolean {
  const ea = utf8(a);
  const eb = utf8(b);
  const length = Math.max(ea.length, eb.length, 1);
  const pa = new Uint8Array(length);
  const pb = new Uint8Array(length);
  pa.set(ea);
  pb.set(eb);
  return crypto.subtle.timingSafeEqual(pa, pb) && ea.length === eb.length;
}
