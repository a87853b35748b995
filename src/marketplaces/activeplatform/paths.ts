/**
 * @module marketplaces/activeplatform/paths
 * The one table of ActivePlatform event paths (docs/activeplatform.md §A.4), relative to the
 * `/activeplatform/{ACTIVEPLATFORM_PATH_SECRET}/` prefix. Several names are inferred from
 * sibling pages, not documented: when ActivePlatform turns out to use another one, change
 * that line here and nothing else.
 */

export const EVENT_PATHS = {
  "subscription.create": "subscription/create",
  "subscription.renew": "subscription/renew",
  "subscription.stop": "subscription/stop",
  // [unverified] by symmetry with user/activate and the platform's "activate" operation.
  "subscription.activate": "subscription/activate",
  // [unverified] by symmetry with user/delete.
  "subscription.delete": "subscription/delete",
  // [unverified] the plan object is sent "when switching the plan"; the path name was not found.
  "subscription.change": "subscription/change",
  "subscription.resource_validation": "subscription/resource_validation",
  "user.create": "user/create",
  "user.update": "user/update",
  "user.activate": "user/activate",
  "user.deactivate": "user/deactivate",
  "user.delete": "user/delete",
} as const;

export type ApEvent = keyof typeof EVENT_PATHS;

const BY_PATH = new Map<string, ApEvent>(Object.entries(EVENT_PATHS).map(([event, path]) => [path, event as ApEvent]));

/** The event for a path below the secret (`subscription/renew`), or null for one we do not implement. */
export function eventForPath(rest: string): ApEvent | null {
  return BY_PATH.get(rest.replace(/\/+$/, "")) ?? null;
}
