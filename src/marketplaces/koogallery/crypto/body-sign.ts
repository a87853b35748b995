/**
 * @module marketplaces/koogallery/crypto/body-sign
 * The `Body-Sign` response header (docs/koogallery.md §2.3): base64 HMAC-SHA256 keyed with the seller
 * Key alone (not Key + timeStamp) over exactly the bytes sent.
 */
import { hmacSha256 } from "../../../crypto/digest";
import { toBase64 } from "../../../crypto/encoding";

/**
 * JSON.stringify with every non-ASCII UTF-16 code unit written as `\uXXXX`. The docs require
 * escaped non-ASCII `memo` text, and a pure-ASCII body leaves no room for charset disagreements
 * about the signed bytes. Non-ASCII can only occur inside JSON strings, so escaping the
 * serialized text is safe.
 */
export function asciiJson(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError("value is not JSON-serializable");
  return json.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** base64(HMAC-SHA256(accessKey, body)). */
export async function bodySignature(accessKey: string, body: string): Promise<string> {
  return toBase64(await hmacSha256(accessKey, body));
}

/** Header value in the doc's exact form, including the space after `signature=`. */
export async function bodySignHeader(accessKey: string, body: string): Promise<string> {
  return `sign_type="HMAC-SHA256", signature= "${await bodySignature(accessKey, body)}"`;
}
