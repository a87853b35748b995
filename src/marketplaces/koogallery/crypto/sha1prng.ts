/**
 * @module marketplaces/koogallery/crypto/sha1prng
 * Deterministic output of Sun's `SecureRandom.getInstance("SHA1PRNG")` after a single
 * `setSeed(seed)` on a fresh instance — the idiom Huawei uses to turn the seller Key into an AES
 * key (docs/koogallery.md §2.4).
 */
import { sha1 } from "../../../crypto/digest";

const DIGEST_BYTES = 20;

/** Reinterprets a byte as Java's signed `byte`. */
const int8 = (b: number): number => (b << 24) >> 24;

/**
 * First `length` bytes of the stream. The state update adds the output to the state with Java's
 * signed-byte arithmetic (carry = v >> 8 of a possibly negative int); a plain unsigned 160-bit add
 * diverges after the first block.
 */
export async function sha1prngBytes(seed: Uint8Array, length: number): Promise<Uint8Array> {
  const result = new Uint8Array(length);
  const state = await sha1(seed);
  let filled = 0;
  while (filled < length) {
    const output = await sha1(state);
    result.set(output.subarray(0, Math.min(DIGEST_BYTES, length - filled)), filled);
    filled += DIGEST_BYTES;
    let carry = 1;
    let changed = false;
    for (let i = 0; i < DIGEST_BYTES; i++) {
      const v = int8(state[i] ?? 0) + int8(output[i] ?? 0) + carry;
      const b = v & 0xff;
      changed ||= b !== state[i];
      state[i] = b;
      carry = v >> 8;
    }
    // Java only bumps the first byte when the addition left the state untouched.
    if (!changed) state[0] = ((state[0] ?? 0) + 1) & 0xff;
  }
  return result;
}
