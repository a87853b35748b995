/**
 * @module crypto/digest
 * WebCrypto hashes and HMACs. Keys given as strings are their UTF-8 bytes, as every partner
 * protocol we speak defines them.
 */
import { utf8 } from "./encoding";

type KeyMaterial = string | Uint8Array;
type Message = string | Uint8Array;

const asBytes = (v: KeyMaterial | Message): Uint8Array => (typeof v === "string" ? utf8(v) : v);

const importHmacKey = (key: KeyMaterial): Promise<CryptoKey> =>
  crypto.subtle.importKey("raw", asBytes(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

/**
 * Imported keys for the few long-lived string keys (the seller key, webhook secrets), so a
 * request does not import the same key three times. Least recently used goes first: per-call
 * keys such as V1's key+timeStamp pass through without pushing out the seller key, which every
 * answer's Body-Sign touches.
 */
const KEY_CACHE_LIMIT = 16;
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(key: KeyMaterial): Promise<CryptoKey> {
  if (typeof key !== "string") return importHmacKey(key);
  let cached = keyCache.get(key);
  if (cached) {
    keyCache.delete(key);
    keyCache.set(key, cached);
  } else {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    cached = importHmacKey(key);
    keyCache.set(key, cached);
  }
  return cached;
}

export async function hmacSha256(key: KeyMaterial, message: Message): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(key), asBytes(message)));
}

export async function sha256(message: Message): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", asBytes(message)));
}

export async function sha1(message: Message): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-1", asBytes(message)));
}
