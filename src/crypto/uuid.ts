/**
 * @module crypto/uuid
 * Deterministic UUIDs: the first 16 bytes of a SHA-256 digest (or of an HMAC-SHA256, when nobody
 * but the server may be able to compute the id) as an RFC 9562 version-8 (custom) UUID, so the
 * same input always names the same instance and Durable Object.
 */
import { hmacSha256, sha256 } from "./digest";

function uuidV8(digest: Uint8Array): string {
  const bytes = digest.slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export async function uuidFromDigestOf(input: string): Promise<string> {
  return uuidV8(await sha256(input));
}

export async function uuidFromHmacOf(key: string, input: string): Promise<string> {
  return uuidV8(await hmacSha256(key, input));
}
