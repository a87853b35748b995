/**
 * @module crypto/uuid
 * Deterministic UUIDs: the first 16 bytes of a SHA-256 digest as an RFC 9562 version-8 (custom)
 * UUID, so the same input always names the same instance and Durable Object.
 */
import { sha256 } from "./digest";

export async function uuidFromDigestOf(input: string): Promise<string> {
  const bytes = (await sha256(input)).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
