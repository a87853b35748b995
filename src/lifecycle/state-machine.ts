/**
 * @module lifecycle/state-machine
 * Pure transition rules. No I/O, no clock: the caller passes `now`.
 *
 * Target-state actions (suspend, resume, expire, release) are idempotent by nature: asking for
 * the state an instance is already in is a `noop` success, which is how KooGallery's
 * "repeats answer success without re-doing" is met. Release is accepted from every live state
 * because KooGallery releases active instances after an unsubscription.
 */
import type { EventType, InstanceEventType, InstanceRecord, InstanceState, LifecycleAction, LifecycleCommand, Subject, UserEventType } from "./types";

export type RejectReason = "unknown_instance" | "released" | "illegal_transition" | "no_expiry";

export type Decision =
  | { kind: "apply"; eventType: InstanceEventType; from: InstanceState | null; to: InstanceState; expiresAt: string | null; plan: InstanceRecord["plan"] }
  | { kind: "noop"; state: InstanceState }
  | { kind: "reject"; reason: RejectReason; message: string };

const TARGET: Partial<Record<LifecycleAction, { to: InstanceState; from: InstanceState[]; eventType: InstanceEventType }>> = {
  suspend: { to: "suspended", from: ["active"], eventType: "instance.suspended" },
  resume: { to: "active", from: ["suspended", "expired"], eventType: "instance.resumed" },
  expire: { to: "expired", from: ["active", "suspended"], eventType: "instance.expired" },
  release: { to: "released", from: ["active", "suspended", "expired"], eventType: "instance.released" },
};

const reject = (reason: RejectReason, message: string): Decision => ({ kind: "reject", reason, message });

/**
 * Whether a command whose event key is already in the ledger is that same event again. An
 * order-scoped key identifies one event forever. A state-scoped key (freeze, release) is the same
 * event only while the state it produced holds, or after release, whose tombstone still answers
 * late duplicates with success.
 */
export function isStillTheSameEvent(previous: { toState: string }, cmd: Pick<LifecycleCommand, "keyScope">, instance: Pick<InstanceRecord, "state">): boolean {
  if (cmd.keyScope === "order") return true;
  return instance.state === previous.toState || instance.state === "released";
}

export function decide(instance: InstanceRecord | null, cmd: LifecycleCommand, now: Date): Decision {
  if (cmd.action === "provision") {
    if (instance) return { kind: "noop", state: instance.state };
    return { kind: "apply", eventType: "instance.provisioned", from: null, to: "active", expiresAt: cmd.expiresAt ?? null, plan: cmd.plan ?? {} };
  }
  if (!instance) return reject("unknown_instance", `instance ${cmd.externalId} does not exist`);

  const target = TARGET[cmd.action];
  if (target) {
    if (instance.state === target.to) return { kind: "noop", state: instance.state };
    if (instance.state === "released") return reject("released", `instance ${cmd.externalId} was released`);
    if (!target.from.includes(instance.state)) {
      return reject("illegal_transition", `cannot ${cmd.action} an instance that is ${instance.state}`);
    }
    return { kind: "apply", eventType: target.eventType, from: instance.state, to: target.to, expiresAt: instance.expiresAt, plan: instance.plan };
  }

  if (instance.state === "released") return reject("released", `instance ${cmd.externalId} was released`);

  if (cmd.action === "renew") {
    const expiresAt = cmd.extendBy ? extendExpiry(instance.expiresAt, cmd.extendBy, now) : (cmd.expiresAt ?? null);
    if (cmd.extendBy && instance.expiresAt === null) {
      return reject("no_expiry", "Subscription must have an expiration date to be eligible for renew.");
    }
    // A renewal of a frozen instance brings it back: the buyer paid for the new period.
    const to: InstanceState = instance.state === "expired" ? "active" : instance.state;
    return { kind: "apply", eventType: "instance.renewed", from: instance.state, to, expiresAt, plan: { ...instance.plan, ...(cmd.plan ?? {}) } };
  }

  // update: new plan or resources; state unchanged.
  return {
    kind: "apply",
    eventType: "instance.updated",
    from: instance.state,
    to: instance.state,
    expiresAt: instance.expiresAt,
    plan: { ...instance.plan, ...(cmd.plan ?? {}) },
  };
}

/** Extends from the later of now and the current expiry, so a late renewal does not lose days. */
export function extendExpiry(current: string | null, by: { value: number; unit: "Day" | "Month" | "Year" }, now: Date): string {
  const currentMs = current ? Date.parse(current) : NaN;
  const start = new Date(Number.isFinite(currentMs) && currentMs > now.getTime() ? currentMs : now.getTime());
  return addPeriod(start, by).toISOString();
}

export function addPeriod(start: Date, by: { value: number; unit: "Day" | "Month" | "Year" }): Date {
  const d = new Date(start.getTime());
  if (by.unit === "Day") d.setUTCDate(d.getUTCDate() + by.value);
  else {
    const months = by.unit === "Month" ? by.value : by.value * 12;
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + months);
    // Clamp to the month's last day: Jan 31 + 1 month is Feb 28/29, not Mar 3.
    const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, lastDay));
  }
  return d;
}

const USER_EVENT: Partial<Record<InstanceEventType, UserEventType>> = {
  "instance.provisioned": "user.created",
  "instance.updated": "user.updated",
  "instance.resumed": "user.activated",
  "instance.suspended": "user.deactivated",
  "instance.released": "user.deleted",
};

/** The event type announced for a transition, by subject. */
export function eventTypeFor(subject: Subject, type: InstanceEventType): EventType {
  return subject === "user" ? (USER_EVENT[type] ?? type) : type;
}
