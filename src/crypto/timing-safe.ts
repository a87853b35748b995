/**
 * @module crypto/timing-safe
 * Constant-time comparison of secrets and signatures.
 *
 * Both sides are hashed with SHA-256 first so that the compare always runs over 32 bytes:
 * `crypto.subtle.timingSafeEqual` throws on unequal lengths and is not constant-time with
 * respect to length, and hashing removes both problems.
 */
import { sha256 } from "./digest";

type Comparable = string | Uint8Array;

export async function timingSafeEqual(a: Comparable, b: Comparable): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(a), sha256(b)]);
  return crypto.subtle.timingSafeEqual(da, db);
}
