/**
 * @module lifecycle/owner
 * Instances that belong to whoever created them. Today that is ActivePlatform: the owner is the
 * installation's `ap_guid`, and every call after create must come from it (docs/activeplatform.md
 * §A.3, §A.5). This is the one place ap_guid values are compared: GUIDs, so trimmed and
 * case-insensitive, and in constant time, since the value also keys ids.
 */
import { timingSafeEqualSync } from "../crypto/timing-safe";

/** The form every ap_guid is stored, hashed and compared in; null for a missing or blank one. */
export function normalizeOwner(value: string | null | undefined): string | null {
  const v = value?.trim().toLowerCase();
  return v ? v : null;
}

/** True when both name the same owner. Two missing values are not an owner and never match. */
export function sameOwner(a: string | null | undefined, b: string | null | undefined): boolean {
  const na = normalizeOwner(a);
  const nb = normalizeOwner(b);
  // Compare even when one is missing, so the time taken does not say which side was.
  const equal = timingSafeEqualSync(na ?? "", nb ?? "");
  return na !== null && nb !== null && equal;
}

/**
 * Whether a call from `caller` may act on an instance owned by `owner`. `undefined` means the
 * call is not subject to ownership (another marketplace, an operator). An unbound instance
 * (created without ap_guid) accepts any caller; the object then binds it to the first caller that
 * has one.
 */
export function mayAct(owner: string | null, caller: string | null | undefined): boolean {
  if (caller === undefined || owner === null) return true;
  return sameOwner(owner, caller);
}
