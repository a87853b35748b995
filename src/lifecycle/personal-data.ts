/**
 * @module lifecycle/personal-data
 * Buyer personal data is dropped from what leaves the gateway unless FORWARD_PERSONAL_DATA is on,
 * and from what the gateway keeps once an instance is released. Matching is by field name, at any
 * depth, because marketplaces nest contacts differently (KooGallery flat query parameters,
 * ActivePlatform `tenant.contact`, `owner`, `reseller`) and partners answer in their own shapes
 * (the vendor's provisioning reply names the app's `userName`).
 *
 * KooGallery's `customerId` and `userId` identify the buyer's account, and `saasExtendParams`
 * carries whatever the buyer typed into the product's custom purchase fields: personal too.
 */
import { MAX_JSON_DEPTH } from "../http/json-depth";
import type { JsonObject } from "./types";

const PERSONAL_FIELDS = new Set(
  [
    "mobilePhone",
    "email",
    "customerName",
    "customerId",
    "userId",
    "userName",
    "password",
    "saasExtendParams",
    "phone",
    "fax",
    "first_name",
    "last_name",
    "firstname",
    "surname",
    "company_phone",
    "company_email",
    "first_address",
    "second_address",
    "address_line_1",
    "address_line_2",
    "zip",
    "city",
    "contact",
    "owner",
  ].map((f) => f.toLowerCase()),
);

/** What replaces a personal value inside text that cannot be parsed (truncated partner answers). */
const WITHHELD = "[withheld]";

export function isPersonalField(name: string): boolean {
  return PERSONAL_FIELDS.has(name.toLowerCase());
}

/**
 * A copy without personal fields. Bodies are depth-checked when they arrive; anything nested
 * deeper than MAX_JSON_DEPTH here is dropped rather than walked, so the walk cannot overflow.
 */
export function withoutPersonalData(value: JsonObject): JsonObject {
  return stripObject(value, 1);
}

function stripObject(value: JsonObject, depth: number): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (isPersonalField(k)) continue;
    const kept = strip(v, depth + 1);
    if (kept !== undefined) out[k] = kept;
  }
  return out;
}

function strip(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_JSON_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((v) => strip(v, depth + 1) ?? null);
  return stripObject(value as JsonObject, depth);
}

// `"name": "value"` (also cut off by truncation), `"name": 123`, and `name=value`.
const JSON_PAIR = /("([A-Za-z0-9_.-]*)"\s*:\s*)("(?:[^"\\]|\\.)*(?:"|$)|-?\d[\d.eE+-]*)/g;
const FORM_PAIR = /\b([A-Za-z0-9_.-]+)=([^&\s"]+)/g;

/**
 * Replaces the values of personal fields inside free text: a partner's answer as the delivery log
 * keeps it, JSON or not, often truncated. Objects under a personal name (`contact`) are not
 * recognised as a whole, but each personal field inside them is.
 */
export function maskPersonalDataInText(text: string): string {
  return text
    .replace(JSON_PAIR, (m, head: string, name: string) => (isPersonalField(name) ? `${head}"${WITHHELD}"` : m))
    .replace(FORM_PAIR, (m, name: string) => (isPersonalField(name) ? `${name}=${WITHHELD}` : m));
}
