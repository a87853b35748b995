/**
 * @module marketplaces/activeplatform/resources
 * The resource_validation verdict, as a pure function of the stored instance and the requested
 * quantities. A read: it changes nothing and produces no event.
 *
 * What can be judged here is structural: the instance is live, each requested key is
 * one the plan has, each quantity is a whole number >= 0. §A.8 also asks to compare against the
 * quantity in use; the gateway does not know usage, so that check belongs to the vendor.
 */
import type { InstanceRecord, JsonObject } from "../../lifecycle/types";
import type { RequestedResource } from "./schemas";

export type Verdict = { allow: true } | { allow: false; reason: string };

const deny = (reason: string): Verdict => ({ allow: false, reason });

/** The resource keys a stored plan has (plan.resources[].key). */
export function planResourceKeys(plan: JsonObject): Set<string> {
  const resources = Array.isArray(plan.resources) ? (plan.resources as unknown[]) : [];
  const keys = new Set<string>();
  for (const r of resources) if (r && typeof r === "object" && typeof (r as JsonObject).key === "string") keys.add(String((r as JsonObject).key));
  return keys;
}

/** An unknown subscription never gets here: the adapter answers it 404 like every other route. */
export function judgeResources(externalId: string, instance: InstanceRecord, requested: RequestedResource[]): Verdict {
  if (instance.state === "released") return deny(`subscription ${externalId} was deleted`);
  const keys = planResourceKeys(instance.plan);
  for (const [i, r] of requested.entries()) {
    const at = `plan.resources[${i}] (${r.key})`;
    if (!keys.has(r.key)) return deny(`${at}: the plan has no resource "${r.key}"`);
    if (r.quantity === undefined || r.quantity === null) return deny(`${at}: quantity is missing`);
    if (!Number.isInteger(r.quantity)) return deny(`${at}: quantity must be a whole number`);
    if (r.quantity < 0) return deny(`${at}: quantity must not be negative`);
  }
  return { allow: true };
}
