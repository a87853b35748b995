/**
 * @module connectors/vendor-webhook/standard-webhooks
 * Signing side of Standard Webhooks (https://www.standardwebhooks.com/, spec "Signature scheme"):
 * `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), where the key is the base64 part of
 * a `whsec_` secret. Only the signer lives here; vendors verify with any Standard Webhooks library.
 */
import { hmacSha256 } from "../../crypto/digest";
import { fromBase64, toBase64 } from "../../crypto/encoding";

const SECRET_PREFIX = "whsec_";
const SIGNATURE_VERSION = "v1";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

// Deliberately says nothing about the value: it is a secret, and even its length or prefix helps
// nobody who reads logs.
const BAD_SECRET = `webhook secret (VENDOR_WEBHOOK_SECRET) must be "${SECRET_PREFIX}" followed by a non-empty base64 key`;

/** Decodes a `whsec_…` secret to its raw key bytes. Throws an Error that never contains the secret. */
function webhookKey(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(BAD_SECRET);
  const encoded = secret.slice(SECRET_PREFIX.length);
  // atob is "forgiving" (accepts whitespace, odd padding); the regex keeps the accepted set exact.
  if (encoded === "" || !BASE64.test(encoded)) throw new Error(BAD_SECRET);
  let key: Uint8Array;
  try {
    key = fromBase64(encoded);
  } catch {
    throw new Error(BAD_SECRET);
  }
  if (key.length === 0) throw new Error(BAD_SECRET);
  return key;
}

function checkTimestamp(timestampS: number): void {
  if (!Number.isSafeInteger(timestampS) || timestampS < 0) {
    throw new Error(`webhook timestamp must be a non-negative integer of Unix seconds, got ${String(timestampS)}`);
  }
}

/** The `webhook-signature` value for one message (a single `v1,` signature). */
export async function signWebhook(secret: string, id: string, timestampS: number, body: string): Promise<string> {
  const key = webhookKey(secret);
  if (id === "") throw new Error("webhook id must not be empty");
  checkTimestamp(timestampS);
  const mac = await hmacSha256(key, `${id}.${timestampS}.${body}`);
  return `${SIGNATURE_VERSION},${toBase64(mac)}`;
}

export interface WebhookHeaderInput {
  secret: string;
  /** Delivery id: stable across retries, so receivers can dedup on it. */
  id: string;
  /** Time of this attempt (re-signed per attempt, receivers reject stale timestamps). */
  timestampS: number;
  /** The exact body string that will be sent. */
  body: string;
}

/** Headers for one attempt: the three Standard Webhooks headers plus the JSON content type. */
export async function webhookHeaders({ secret, id, timestampS, body }: WebhookHeaderInput): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestampS),
    "webhook-signature": await signWebhook(secret, id, timestampS, body),
  };
}
