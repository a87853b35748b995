/**
 * @module instance/refs-limits
 * What a vendor's reply to instance.provisioned may store on an instance as refs and app info. Pure.
 *
 * The reply comes from outside and is stored as is, and refs ride twice in every queue message of
 * the instance (`event.instance.refs` and `refs`), so an unbounded reply could push every later
 * event over the 128 KB a queue message may hold. The caps:
 * - a ref name as the admin API accepts it (a letter, then up to 63 letters, digits, `.`, `_`, `-`),
 *   a value of 1 to {@link MAX_REF_CHARS} characters, and at most {@link MAX_REFS} refs on an
 *   instance: partner ids are short, and the contract names three refs. That is at most about
 *   5.5 KB of refs, 11 KB of a message.
 * - app info as KooGallery shows it to the buyer (docs/koogallery.md §3.1): `frontEndUrl` and
 *   `adminUrl` http(s) URLs of at most 512 characters, `userName` and `password` of at most 128 (KooGallery's limit; V1 encrypts them, see koogallery/crypto/aes.ts)
 *   (the admin API's limit), `memo` of at most 1024.
 * What exceeds a cap is not stored; the delivery's reason names it, so an operator can set it
 * through the admin API.
 */
import type { JsonObject } from "../lifecycle/types";

const REF_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_REF_CHARS = 256;
export const MAX_REFS = 16;

const APP_INFO_LIMITS = Object.freeze({ frontEndUrl: 512, adminUrl: 512, userName: 128, password: 128, memo: 1024 });
const URL_FIELDS = new Set(["frontEndUrl", "adminUrl"]);

export interface ProvisionReply {
  refs?: Record<string, string>;
  appInfo?: Partial<Record<keyof typeof APP_INFO_LIMITS, string>>;
}

export interface BoundedReply {
  refs?: Record<string, string>;
  appInfo?: JsonObject;
  /** What was left out and why, for the delivery's reason. */
  ignored: string[];
}

const isHttpUrl = (value: string): boolean => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);

/** The parts of a vendor reply within the caps. */
export function boundReply(reply: ProvisionReply): BoundedReply {
  const ignored: string[] = [];
  let refs: Record<string, string> | undefined;
  if (reply.refs) {
    refs = {};
    for (const [name, value] of Object.entries(reply.refs)) {
      if (!REF_NAME.test(name)) ignored.push(`refs[${JSON.stringify(name.slice(0, 70))}] (not a ref name)`);
      else if (value.length === 0 || value.length > MAX_REF_CHARS) ignored.push(`refs.${name} (value must be 1 to ${MAX_REF_CHARS} characters)`);
      else if (Object.keys(refs).length >= MAX_REFS) ignored.push(`refs.${name} (more than ${MAX_REFS} refs)`);
      else refs[name] = value;
    }
  }
  let appInfo: JsonObject | undefined;
  if (reply.appInfo) {
    appInfo = {};
    for (const [field, max] of Object.entries(APP_INFO_LIMITS)) {
      const value = reply.appInfo[field as keyof typeof APP_INFO_LIMITS];
      if (value === undefined) continue;
      if (value.length > max) ignored.push(`appInfo.${field} (over ${max} characters)`);
      else if (URL_FIELDS.has(field) && !isHttpUrl(value)) ignored.push(`appInfo.${field} (not an http(s) URL)`);
      else appInfo[field] = value;
    }
  }
  return { ...(refs ? { refs } : {}), ...(appInfo ? { appInfo } : {}), ignored };
}

/**
 * `incoming` merged into `current`: names already set are updated, new ones are added while the
 * instance has fewer than {@link MAX_REFS}.
 */
export function mergeRefsBounded(current: Record<string, string>, incoming: Record<string, string>): { refs: Record<string, string>; ignored: string[] } {
  const refs = { ...current };
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(incoming)) {
    if (name in refs || Object.keys(refs).length < MAX_REFS) refs[name] = value;
    else ignored.push(`refs.${name} (the instance already has ${MAX_REFS} refs)`);
  }
  return { refs, ignored };
}
