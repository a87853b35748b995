/**
 * @module admin/present
 * Turns Durable Object records into what an operator may see. Pure.
 *
 * Two rules, applied before the response schemas strip undocumented fields:
 * - buyer personal data (marketplace payload fields, app-info user names, the same names inside
 *   partner answer excerpts) only with FORWARD_PERSONAL_DATA=true, by the same field list the
 *   vendor payload uses;
 * - secrets never, whatever the setting: the app-info password is masked, and any field whose
 *   name says it holds a credential is masked wherever it appears, including partner answer
 *   excerpts (a login answer carries tokens).
 */
import type { InstanceDetails } from "../instance/instance-object";
import type { DeliveryRecord, EventRecord } from "../instance/records";
import { MAX_JSON_DEPTH } from "../http/json-depth";
import { isPersonalField, maskPersonalDataInText } from "../lifecycle/personal-data";
import type { InstanceRecord, JsonObject } from "../lifecycle/types";
import { isSecretField } from "../lifecycle/secrets";
import { MASKED } from "./schemas";

/**
 * One walk over a stored object: credential-named fields are masked (the key stays, so an
 * operator sees that one is set), personal fields are dropped unless `personal`. Stored data
 * came from marketplaces, so the walk stops at MAX_JSON_DEPTH (deeper values are masked).
 */
export function visibleObject(value: JsonObject, personal: boolean): JsonObject {
  return visibleAt(value, personal, 1);
}

function visibleAt(value: JsonObject, personal: boolean, depth: number): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecretField(k)) out[k] = v === null || v === "" ? v : MASKED;
    else if (!personal && isPersonalField(k)) continue;
    else out[k] = visibleValue(v, personal, depth + 1);
  }
  return out;
}

function visibleValue(value: unknown, personal: boolean, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_JSON_DEPTH) return MASKED;
  if (Array.isArray(value)) return value.map((v) => visibleValue(v, personal, depth + 1));
  return visibleAt(value as JsonObject, personal, depth);
}

/**
 * Masks `"name": "value"` and `name=value` pairs with credential-like names inside free text
 * (partner answer excerpts are truncated, so they are often not parseable JSON).
 */
export function maskSecretsInText(text: string): string {
  return text
    .replace(/("([A-Za-z0-9_.-]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/g, (m, head: string, name: string) => (isSecretField(name) ? `${head}"${MASKED}"` : m))
    .replace(/\b([A-Za-z0-9_.-]+)=([^&\s"]+)/g, (m, name: string) => (isSecretField(name) ? `${name}=${MASKED}` : m))
    .replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${MASKED}`);
}

export function presentInstance(instance: InstanceRecord, personal: boolean) {
  return {
    ...instance,
    plan: visibleObject(instance.plan, personal),
    appInfo: visibleObject(instance.appInfo, personal),
    marketTime: instance.marketTime === null ? null : new Date(instance.marketTime).toISOString(),
  };
}

function presentEvent(event: EventRecord, personal: boolean) {
  return { ...event, answer: visibleObject(event.answer, personal) };
}

/** Partner answer excerpts are free text: secrets are masked always, personal values unless `personal`. */
export function presentDelivery(delivery: DeliveryRecord, personal: boolean) {
  const text = (t: string) => maskSecretsInText(personal ? t : maskPersonalDataInText(t));
  return {
    ...delivery,
    reason: delivery.reason === null ? null : text(delivery.reason),
    leaseUntil: delivery.leaseUntil === null ? null : new Date(delivery.leaseUntil).toISOString(),
    attemptLog: delivery.attemptLog.map((a) => ({ ...a, excerpt: text(a.excerpt) })),
  };
}

export function presentDetails(details: InstanceDetails, personal: boolean) {
  return {
    instance: presentInstance(details.instance, personal),
    events: details.events.map((e) => presentEvent(e, personal)),
    deliveries: details.deliveries.map((d) => presentDelivery(d, personal)),
    personalData: personal ? ("included" as const) : ("withheld" as const),
    drift: (details.drift ?? []).map(({ connector, partnerValue, instanceValue, since, repaired }) => ({
      connector: connector as "mor",
      partnerValue,
      instanceValue,
      since,
      repaired,
    })),
  };
}
