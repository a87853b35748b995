/**
 * @module lifecycle/personal-data
 * Buyer personal data is dropped from what leaves the gateway unless FORWARD_PERSONAL_DATA is on.
 * Matching is by field name, at any depth, because marketplaces nest contacts differently
 * (KooGallery flat query parameters, ActivePlatform `tenant.contact`, `owner`, `reseller`).
 */
import type { JsonObject } from "./types";

const PERSONAL_FIELDS = new Set(
  [
    "mobilePhone", "email", "customerName", "userName", "password", "phone", "fax",
    "first_name", "last_name", "firstname", "surname", "company_phone", "company_email",
    "first_address", "second_address", "address_line_1", "address_line_2", "zip", "city",
    "contact", "owner",
  ].map((f) => f.toLowerCase()),
);

export function isPersonalField(name: string): boolean {
  return PERSONAL_FIELDS.has(name.toLowerCase());
}

export function withoutPersonalData(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (isPersonalField(k)) continue;
    out[k] = strip(v);
  }
  return out;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === "object") return withoutPersonalData(value as JsonObject);
  return value;
}
