/**
 * @module marketplaces/activeplatform/commands
 * Turns a verified, validated ActivePlatform call into a canonical LifecycleCommand: instance
 * keys, deterministic ids and event keys. Pure apart from SHA-256.
 *
 * ActivePlatform sends no order id or delivery id (docs/activeplatform.md §A.9), so every key is
 * built from what the call carries:
 * - create: the subscription GUID, itself an HMAC of (ap_guid, subscription.id); order-scoped.
 * - stop / activate / delete, user activate / deactivate / delete: instance + action,
 *   state-scoped (the same as the KooGallery status changes).
 * - renew: a fingerprint of the renewal + the previous renewal with that fingerprint (see
 *   `renewEventKey`); order-scoped.
 * - change, user update: a digest of the new content + the previous update (`anchorAfter`);
 *   order-scoped, and a call whose content is already in place applies nothing
 *   (`alreadyApplied`).
 *
 * Unlike KooGallery, ActivePlatform bodies carry no request timestamp (the seed renew example and
 * §A.6 list none), so calls cannot be ordered by the marketplace's time: a replayed or late call
 * is answered by the ledger and the state machine alone (a stop after an activate is a new stop).
 * What keeps one installation off another's subscriptions is the owner check (lifecycle/owner).
 */
import { sha256 } from "../../crypto/digest";
import { canonicalJson } from "../../crypto/canonical-json";
import { toHex } from "../../crypto/encoding";
import { uuidFromHmacOf } from "../../crypto/uuid";
import { instanceKeyOf } from "../../instance/keys";
import type { EventRecord } from "../../instance/records";
import { normalizeOwner } from "../../lifecycle/owner";
import type { JsonObject, LifecycleAction, LifecycleCommand, Subject } from "../../lifecycle/types";
import type { ApEvent } from "./paths";
import type { PeriodUnit } from "./schemas";

export const instanceKey = (externalId: string): string => instanceKeyOf("activeplatform", externalId);
/** Users live in their own objects; the key space is apart so a user id can never name a subscription. */
export const userKey = (userId: string): string => instanceKeyOf("activeplatform-user", userId);

/** The query identity of a call; both are optional on every route (docs/activeplatform.md §A.4). */
export interface Caller {
  apGuid: string | null;
  resellerId: string | null;
}

export { canonicalJson };

async function digestHex(parts: unknown[]): Promise<string> {
  return toHex(await sha256(canonicalJson(parts)));
}

/**
 * The external_id returned by subscription/create: UUIDv8 of HMAC-SHA256(ACTIVEPLATFORM_PATH_SECRET,
 * `["activeplatform:external_id", ap_guid normalised or "", subscription.id]` as JSON), so a
 * repeated create, including one racing the first, names the same Durable Object, and nobody
 * without the server's secret can compute an id from the small integers it is made of.
 *
 * Changing ACTIVEPLATFORM_PATH_SECRET changes the ids later creates derive: subscriptions that
 * exist keep working (their calls carry their external_id), but a create ActivePlatform repeats
 * for one of them after the change would mint a new id.
 */
export async function subscriptionGuid(secret: string, apGuid: string | null, subscriptionId: string): Promise<string> {
  return uuidFromHmacOf(secret, canonicalJson(["activeplatform:external_id", normalizeOwner(apGuid) ?? "", subscriptionId]));
}

/**
 * The id returned by user/create: UUIDv8 of HMAC-SHA256(ACTIVEPLATFORM_PATH_SECRET,
 * `["activeplatform:user_id", ap_guid normalised or "", reseller_id or "", e-mail trimmed and
 * lower-cased]`). The body carries no other identity.
 */
export async function userGuid(secret: string, caller: Caller, email: string): Promise<string> {
  return uuidFromHmacOf(
    secret,
    canonicalJson(["activeplatform:user_id", normalizeOwner(caller.apGuid) ?? "", caller.resellerId ?? "", email.trim().toLowerCase()]),
  );
}

/** What the instance looked like when the call was read; anchors the content-scoped keys. */
export interface Current {
  version: number;
  plan: JsonObject;
  /** Recent events, newest first. */
  events: Pick<EventRecord, "seq" | "eventKey" | "type" | "occurredAt">[];
  /** True when `events` is the whole history, so "no such event" means never. */
  complete: boolean;
}

/**
 * The part of a key that says "after which earlier event of this kind": `after:{seq}` of the
 * latest matching event, `first` when there has been none. Events of other kinds do not move it,
 * so calls that race while an unrelated event lands in between still agree on the key. Only when
 * the history read is truncated and holds no match does it fall back to the instance version.
 */
export function anchorAfter(current: Current, matches: (e: Current["events"][number]) => boolean): string {
  const last = current.events.find(matches);
  if (last) return `after:${last.seq}`;
  return current.complete ? "first" : `v${current.version}`;
}

/**
 * Renewal fingerprint: SHA-256 of (ap_guid, reseller_id, external_id, subscription.id,
 * plan.period, plan.sku), the fields that say which subscription is renewed and by what. Contact
 * data and attributes are left out: an operator's re-run may carry updated ones.
 */
export async function renewFingerprint(caller: Caller, externalId: string, body: JsonObject): Promise<string> {
  const plan = (body.plan ?? {}) as JsonObject;
  const subscription = (body.subscription ?? {}) as JsonObject;
  return (
    await digestHex([normalizeOwner(caller.apGuid), caller.resellerId, externalId, subscription.id ?? null, plan.period ?? null, plan.sku ?? null])
  ).slice(0, 32);
}

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_DAYS: Record<PeriodUnit, number> = { Day: 1, Month: 28, Year: 365 };

/**
 * How long a renewal with the same fingerprint counts as a resend of the one already applied:
 * half the renewal period, at most a day. A legitimate next renewal of the same plan comes about
 * one period later, a resend (the operator re-running an operation whose answer was lost) soon.
 */
export function resendWindowMs(period: { value: number; unit: PeriodUnit }): number {
  return Math.min(DAY_MS, (period.value * UNIT_DAYS[period.unit] * DAY_MS) / 2);
}

/**
 * The renewal event key: `activeplatform:renew:{fingerprint}:{anchor}`.
 *
 * One renewal order's body is identical to the next one's, so content alone cannot tell them
 * apart. The anchor does: it names the previous renewal with the same fingerprint (`first` if
 * none), which only a renewal with that fingerprint can change. Copies that race read the same
 * anchor and get the same key, so the object's ledger applies one of them. A copy that arrives
 * after the renewal applied sees that renewal; inside the resend window it is taken as a resend
 * and gets that renewal's key back, after it as the next renewal.
 */
export function renewEventKey(fingerprint: string, current: Current, period: { value: number; unit: PeriodUnit }, nowMs: number): string {
  const prefix = `activeplatform:renew:${fingerprint}:`;
  const previous = current.events.find((e) => e.type === "instance.renewed" && e.eventKey.startsWith(prefix));
  if (previous && nowMs - Date.parse(previous.occurredAt) < resendWindowMs(period)) return previous.eventKey;
  return `${prefix}${anchorAfter(current, (e) => e === previous)}`;
}

/** True when every field of `requested` already has that value in `stored`: the change is a repeat. */
export function alreadyApplied(stored: JsonObject, requested: JsonObject): boolean {
  return Object.entries(requested).every(([k, v]) => canonicalJson(stored[k] ?? null) === canonicalJson(v ?? null));
}

/** The digest of a change or profile update, for its event key. */
export async function contentDigest(content: unknown): Promise<string> {
  return (await digestHex([content])).slice(0, 32);
}

/**
 * Events whose `plan` becomes the instance's plan (create: as sent, plus the ids; renew and change:
 * merged into it). Their raw event leaves `plan` out: the payload carries it once, in
 * `instance.plan`. Twice, a plan near the 64 KiB body limit made an event over the 128 KB a queue
 * message may hold, and the delivery could never be sent.
 */
const PLAN_ON_INSTANCE: ReadonlySet<ApEvent> = new Set(["subscription.create", "subscription.renew", "subscription.change"]);

/** The raw event as kept for audit and the vendor payload: never the user's password. */
export function rawOf(event: ApEvent, caller: Caller, body: JsonObject): JsonObject {
  const { password: _dropped, ...rest } = body;
  if (PLAN_ON_INSTANCE.has(event)) delete rest.plan;
  return { ...rest, event, query: { ap_guid: caller.apGuid, reseller_id: caller.resellerId } };
}

/** The call a command comes from: its event, caller and (verified, validated) body. */
export interface CallSource {
  event: ApEvent;
  caller: Caller;
  body: JsonObject;
}

interface CommandInput {
  subject: Subject;
  key: string;
  externalId: string;
  action: LifecycleAction;
  eventKey: string;
  keyScope: LifecycleCommand["keyScope"];
  answer: JsonObject;
}

/** The one builder of ActivePlatform commands: event, raw parameters and owner come from the call. */
export function command(call: CallSource, input: CommandInput): LifecycleCommand {
  return {
    subject: input.subject,
    instanceKey: input.key,
    source: "activeplatform",
    externalId: input.externalId,
    action: input.action,
    eventKey: input.eventKey,
    keyScope: input.keyScope,
    // ActivePlatform has no test flag.
    test: false,
    origin: { system: "activeplatform", activity: call.event, raw: rawOf(call.event, call.caller, call.body) },
    answer: input.answer,
    // The installation the call comes from: a subscription or user belongs to its creator.
    owner: normalizeOwner(call.caller.apGuid),
  };
}

/** Target-state events, mapped once: path event -> lifecycle action. */
export const STATE_ACTIONS: Partial<Record<ApEvent, LifecycleAction>> = {
  "subscription.stop": "suspend",
  "subscription.activate": "resume",
  "subscription.delete": "release",
  "user.deactivate": "suspend",
  "user.activate": "resume",
  "user.delete": "release",
};

export const stateEventKey = (key: string, action: LifecycleAction): string => `${key}:${action}`;
