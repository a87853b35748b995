/**
 * @module marketplaces/koogallery/crypto/aes
 * Credential encryption (docs/koogallery.md §2.4): wire format `iv16 + base64(AES-CBC-PKCS5(utf8))`, the
 * key being the first bits/8 bytes of SHA1PRNG seeded with the seller Key.
 */
import { fromBase64, toBase64, utf8 } from "../../../crypto/encoding";
import { sha1prngBytes } from "./sha1prng";

export type AesBits = 128 | 256;

/** Encrypted userName/password may be 128 chars including the 16-char IV ⇒ 79 plaintext bytes. */
export const MAX_CREDENTIAL_PLAINTEXT_BYTES = 79;

const IV_CHARS = 16;
const IV_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Largest multiple of the alphabet size below 256, so that `byte % 62` has no bias. */
const IV_BYTE_LIMIT = 256 - (256 % IV_ALPHABET.length);
const PRINTABLE_IV = /^[\x21-\x7e]{16}$/;
const DEFAULT_BITS: AesBits = 256;
/** Inbound key size is undocumented and both occur in the wild (§2.6), so 256 is tried first. */
const DECRYPT_ORDER: readonly AesBits[] = [256, 128];

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Raw AES key bytes; exported for vector tests. */
export async function deriveAesKey(accessKey: string, bits: AesBits): Promise<Uint8Array> {
  return sha1prngBytes(utf8(accessKey), bits / 8);
}

// Keys never change while an isolate lives, and each derivation costs several SHA-1 rounds.
const keyCache = new Map<string, Promise<CryptoKey>>();

function aesKey(accessKey: string, bits: AesBits): Promise<CryptoKey> {
  const cacheKey = `${bits}:${accessKey}`;
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    key = deriveAesKey(accessKey, bits).then((raw) => crypto.subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt", "decrypt"]));
    keyCache.set(cacheKey, key);
    key.catch(() => keyCache.delete(cacheKey));
  }
  return key;
}

function randomIv(): string {
  let iv = "";
  const pool = new Uint8Array(IV_CHARS * 2);
  while (iv.length < IV_CHARS) {
    crypto.getRandomValues(pool);
    for (const b of pool) {
      if (b < IV_BYTE_LIMIT && iv.length < IV_CHARS) iv += IV_ALPHABET[b % IV_ALPHABET.length];
    }
  }
  return iv;
}

/** A credential too long to fit KooGallery's 128 characters once encrypted. */
export class CredentialTooLong extends RangeError {
  constructor(readonly bytes: number) {
    super(`credential of ${bytes} bytes is over ${MAX_CREDENTIAL_PLAINTEXT_BYTES}: encrypted it would exceed KooGallery's 128 characters`);
    this.name = "CredentialTooLong";
  }
}

/**
 * Encrypts a credential for a V1 response, refusing one whose encrypted form would break
 * KooGallery's 128-character limit (CredentialTooLong). `iv`, when given, must be 16 printable
 * ASCII characters.
 */
export async function encryptCredential(accessKey: string, plaintext: string, opts: { bits?: AesBits; iv?: string } = {}): Promise<string> {
  const bytes = utf8(plaintext).byteLength;
  if (bytes > MAX_CREDENTIAL_PLAINTEXT_BYTES) throw new CredentialTooLong(bytes);
  const iv = opts.iv ?? randomIv();
  if (!PRINTABLE_IV.test(iv)) throw new Error("iv must be 16 printable ASCII characters");
  const key = await aesKey(accessKey, opts.bits ?? DEFAULT_BITS);
  const cipher = await crypto.subtle.encrypt({ name: "AES-CBC", iv: utf8(iv) }, key, utf8(plaintext));
  return iv + toBase64(cipher);
}

/**
 * Decrypts an inbound `mobilePhone`/`email` (or our own output). Tries AES-256, then AES-128.
 * A wrong key passes the PKCS#7 check about once in 256 tries, so a result that is not valid
 * UTF-8 also counts as a failure. Returns null for anything malformed.
 */
export async function decryptCredential(accessKey: string, wire: string): Promise<{ plaintext: string; bits: AesBits } | null> {
  // Form decoding turns an unencoded `+` into a space (§6 #7).
  const fixed = wire.replace(/ /g, "+");
  const iv = utf8(fixed.slice(0, IV_CHARS));
  if (fixed.length <= IV_CHARS || iv.length !== IV_CHARS) return null;
  let cipher: Uint8Array;
  try {
    cipher = fromBase64(fixed.slice(IV_CHARS));
  } catch {
    return null;
  }
  if (cipher.length === 0 || cipher.length % 16 !== 0) return null;
  for (const bits of DECRYPT_ORDER) {
    try {
      const key = await aesKey(accessKey, bits);
      const plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, cipher);
      return { plaintext: strictUtf8.decode(plain), bits };
    } catch {
      // Padding or UTF-8 failure: try the next key size.
    }
  }
  return null;
}
