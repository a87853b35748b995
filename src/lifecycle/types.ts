/**
 * @module lifecycle/types
 * The canonical vocabulary every marketplace adapter maps onto, and every connector reads.
 */

export type InstanceState = "active" | "suspended" | "expired" | "released";

/** What a marketplace asks for, in the domain's words. */
export type LifecycleAction = "provision" | "renew" | "update" | "suspend" | "resume" | "expire" | "release";

export type InstanceEventType =
  "instance.provisioned" | "instance.renewed" | "instance.updated" | "instance.suspended" | "instance.resumed" | "instance.expired" | "instance.released";

export type UserEventType = "user.created" | "user.updated" | "user.activated" | "user.deactivated" | "user.deleted";

export type EventType = InstanceEventType | UserEventType;

type MarketplaceSource = "koogallery" | "activeplatform";

/**
 * How long an event key identifies the same event:
 * - `order`: forever (a renewal order, a provisioning order);
 * - `state`: while the state it produced still holds; a freeze after an unfreeze is a new event.
 */
type EventKeyScope = "order" | "state";

export type JsonObject = { [key: string]: unknown };

/** Where an event came from, kept verbatim (minus personal data) for the vendor payload and audit. */
export interface EventOrigin {
  system: MarketplaceSource;
  activity: string;
  orderId?: string;
  raw: JsonObject;
}

/**
 * What the Durable Object tracks. ActivePlatform users follow the same lifecycle as instances
 * (create, update, deactivate, activate, delete) but are announced as `user.*` events.
 */
export type Subject = "instance" | "user";

export interface LifecycleCommand {
  /** Defaults to "instance". */
  subject?: Subject;
  instanceKey: string;
  source: MarketplaceSource;
  externalId: string;
  action: LifecycleAction;
  eventKey: string;
  keyScope: EventKeyScope;
  test: boolean;
  /** New expiry (ISO 8601), for provision and renew; null means "does not expire". */
  expiresAt?: string | null;
  /** Extend the current expiry by this period instead of setting an absolute one (ActivePlatform renew). */
  extendBy?: { value: number; unit: "Day" | "Month" | "Year" };
  plan?: JsonObject;
  origin: EventOrigin;
  /** The business answer for this event; stored in the ledger and returned to every duplicate. */
  answer: JsonObject;
  /** V2 replay guard: the nonce and the timestamp window it was verified in. */
  nonce?: NonceClaim;
  /**
   * The marketplace's own time of the call, in ms (KooGallery V1 `timeStamp`, V2 `timestamp`).
   * An instance orders its state changes by it: a call older than the latest it accepted is
   * answered with success and not applied. Absent when the marketplace sends no time.
   */
  marketTime?: number;
  /**
   * Who makes the call, for instances that belong to whoever created them (ActivePlatform: the
   * installation's ap_guid, normalised by `normalizeOwner`; null when the call carries none).
   * Absent: no ownership applies to this call.
   */
  owner?: string | null;
}

/** A V2 nonce with the timestamp it came with; the object re-checks the window on its own clock. */
export interface NonceClaim {
  value: string;
  timestampMs: number;
  toleranceMs: number;
}

export interface InstanceRecord {
  key: string;
  source: MarketplaceSource;
  externalId: string;
  state: InstanceState;
  plan: JsonObject;
  expiresAt: string | null;
  refs: Record<string, string>;
  appInfo: JsonObject;
  test: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** The latest marketplace time the instance accepted a call at (ms), null before any. */
  marketTime: number | null;
  /** The creator it belongs to (see LifecycleCommand.owner), null when unbound. */
  owner: string | null;
}
