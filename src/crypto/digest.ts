/**
 * @module crypto/digest
 * WebCrypto hashes and HMACs. Keys given as strings are their UTF-8 bytes, as every partner
 * protocol we speak defines them.
 */
import { utf8 } from "./encoding";

type KeyMaterial = string | Uint8Array;
type Message = string | Uint8Array;

const asBytes = (v: KeyMaterial | Message): Uint8Array => (typeof v === "string" ? utf8(v) : v);

export async function hmacSha256(key: KeyMaterial, message: Message): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    asBytes(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, asBytes(message)));
}

export async function sha256(message: Message): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", asBytes(message)));
}

export async function sha1(message: Message): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-1", asBytes(message)));
}
