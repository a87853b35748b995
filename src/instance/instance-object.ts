/**
 * @module instance/instance-object
 * One Durable Object per subscription instance: the single source of truth for its state, its
 * idempotency ledger and its outbox.
 *
 * Every command is applied in one `transactionSync`: nonce check, ledger look-up, the pure state
 * machine, then state, event and outbox rows together. No outbound call happens inside it; the
 * outbox is sent to the queue afterwards, and an alarm re-sends whatever no consumer has reported
 * on within its lease.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../bindings";
import { enabledConnectors, forwardPersonalData, retryDelayScale, type ConnectorName } from "../config";
import { planDeliveries } from "../delivery/plan";
import type { DeliveryMessage } from "../delivery/message";
import { eventSnapshot } from "../lifecycle/event-payload";
import { decide, eventTypeFor, type RejectReason } from "../lifecycle/state-machine";
import type { InstanceRecord, JsonObject, LifecycleCommand } from "../lifecycle/types";
import {
  earliestLease,
  getDelivery,
  hasOpenDelivery,
  insertDelivery,
  isSettled,
  leaseMs,
  overdueDeliveries,
  promoteNext,
  provisioningReplyPending,
  stalledConnectors,
} from "./outbox";
import { SCHEMA, schemaExists } from "./schema";
import { claimNonce, insertEvent, latestEvent, messageFor, readInstance, writeInstance } from "./store";
import {
  deliveryFromRow,
  eventFromRow,
  type AttemptRecord,
  type DeliveryRecord,
  type EventRecord,
  type Row,
} from "./records";

export { DELIVERY_LEASE_MS } from "./outbox";
/** After a failed queue send, try again soon rather than after a whole lease. */
const SEND_RETRY_MS = 5_000;
const MAX_ATTEMPT_LOG = 25;

export type ApplyResult =
  | { outcome: "applied" | "duplicate"; answer: JsonObject; instance: InstanceRecord }
  | { outcome: "rejected"; reason: RejectReason | "replayed_nonce"; message: string };

export interface InstanceDetails {
  instance: InstanceRecord;
  events: EventRecord[];
  deliveries: DeliveryRecord[];
}

export interface AttemptReport {
  deliveryId: string;
  result: "delivered" | "retrying" | "dead" | "skipped";
  attempt: Omit<AttemptRecord, "n">;
  /** Refs and app info the vendor returned for instance.provisioned. */
  refs?: Record<string, string>;
  appInfo?: JsonObject;
  reason?: string;
}

export class InstanceObject extends DurableObject<Bindings> {
  readonly #sql: SqlStorage;
  /**
   * When the alarm is due, as far as this object knows (null: none, or unknown). Each setAlarm is a
   * row write, so it is only moved when a lease would otherwise be missed.
   */
  #alarmAt: number | null = null;
  /**
   * The tables are created with the first write, so a call for an instance that does not exist
   * (answered 000003 / 404) leaves no storage behind.
   */
  #hasSchema = false;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      this.#hasSchema = schemaExists(this.#sql);
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Applies a lifecycle command exactly once. */
  async apply(cmd: LifecycleCommand): Promise<ApplyResult> {
    const now = new Date();
    const enabled = enabledConnectors(this.env);
    const forwardPersonal = forwardPersonalData(this.env);
    const lease = this.#leaseMs();
    const eventId = crypto.randomUUID();
    const deliveryIds = new Map<ConnectorName, string>(enabled.map((c) => [c, `dlv_${crypto.randomUUID().replaceAll("-", "")}`]));

    const result = this.#transaction((): ApplyResult & { queued?: DeliveryMessage[] } => {
      if (cmd.nonce && !claimNonce(this.#ensureSchema(), cmd.nonce.value, cmd.nonce.expiresAtMs, now.getTime())) {
        return { outcome: "rejected", reason: "replayed_nonce", message: "nonce already used" };
      }
      const instance = this.#hasSchema ? readInstance(this.#sql) : null;
      const previous = this.#hasSchema ? latestEvent(this.#sql, cmd.eventKey) : null;
      if (previous && instance && isStillTheSameEvent(previous, cmd, instance)) {
        return { outcome: "duplicate", answer: previous.answer, instance };
      }

      const decision = decide(instance, cmd, now);
      if (decision.kind === "reject") return { outcome: "rejected", reason: decision.reason, message: decision.message };
      if (decision.kind === "noop") return { outcome: "duplicate", answer: cmd.answer, instance: instance! };

      this.#ensureSchema();
      const stamp = now.toISOString();
      const next: InstanceRecord = {
        key: cmd.instanceKey,
        source: cmd.source,
        externalId: cmd.externalId,
        state: decision.to,
        plan: decision.plan,
        expiresAt: decision.expiresAt,
        refs: instance?.refs ?? {},
        appInfo: instance?.appInfo ?? {},
        test: instance ? instance.test : cmd.test,
        version: (instance?.version ?? 0) + 1,
        createdAt: instance?.createdAt ?? stamp,
        updatedAt: stamp,
      };
      writeInstance(this.#sql, next);
      const type = eventTypeFor(cmd.subject ?? "instance", decision.eventType);
      const snapshot = eventSnapshot({ type, occurredAt: stamp, test: cmd.test, instance: next, origin: cmd.origin, forwardPersonalData: forwardPersonal });
      const seq = insertEvent(this.#sql, eventId, cmd, decision.from, next.state, stamp, snapshot);

      const queued: DeliveryMessage[] = [];
      const leaseUntil = now.getTime() + lease;
      for (const plan of planDeliveries({ type, test: cmd.test, enabled })) {
        const deliveryId = deliveryIds.get(plan.connector)!;
        const common = { deliveryId, eventSeq: seq, connector: plan.connector, at: stamp };
        if (plan.status === "skipped") {
          insertDelivery(this.#sql, { ...common, status: "skipped", reason: plan.reason, leaseUntil: null });
        } else if (hasOpenDelivery(this.#sql, plan.connector)) {
          // An earlier event is still on its way to this partner: this one goes after it.
          insertDelivery(this.#sql, { ...common, status: "waiting", reason: null, leaseUntil: null });
        } else {
          insertDelivery(this.#sql, { ...common, status: "pending", reason: null, leaseUntil });
          queued.push({ deliveryId, instanceKey: next.key, connector: plan.connector, event: { ...snapshot, id: deliveryId }, refs: next.refs });
        }
      }
      if (queued.length > 0) this.#rescheduleAlarm();
      return { outcome: "applied", answer: cmd.answer, instance: next, queued };
    });

    if (result.outcome === "applied" && result.queued && result.queued.length > 0) {
      // Answer the marketplace now; the lease alarm covers a send that fails or never finishes.
      this.ctx.waitUntil(this.#send(result.queued));
    }
    if (result.outcome === "applied") return { outcome: result.outcome, answer: result.answer, instance: result.instance };
    return result;
  }

  /** Records a V2 nonce for a call that applies no command (queryInstance). False if already used. */
  async claimNonce(nonce: string, expiresAtMs: number): Promise<boolean> {
    return this.#transaction(() => claimNonce(this.#ensureSchema(), nonce, expiresAtMs, Date.now()));
  }

  /** The instance, or null when this object has never been provisioned. */
  async view(): Promise<InstanceRecord | null> {
    return this.#hasSchema ? readInstance(this.#sql) : null;
  }

  /**
   * For a delivery whose connector lacks refs: the refs as they stand, and whether the vendor's
   * reply to instance.provisioned, which usually brings them, is still being delivered.
   */
  async refsOutlook(): Promise<{ refs: Record<string, string>; vendorReplyPending: boolean } | null> {
    if (!this.#hasSchema) return null;
    const instance = readInstance(this.#sql);
    if (!instance) return null;
    return { refs: instance.refs, vendorReplyPending: provisioningReplyPending(this.#sql) };
  }

  async details(limit = 50): Promise<InstanceDetails | null> {
    if (!this.#hasSchema) return null;
    const instance = readInstance(this.#sql);
    if (!instance) return null;
    const events = this.#sql.exec<Row>("SELECT * FROM events ORDER BY seq DESC LIMIT ?", limit).toArray().map(eventFromRow);
    const deliveries = this.#sql.exec<Row>("SELECT * FROM deliveries ORDER BY created_at DESC, delivery_id LIMIT ?", limit * 3).toArray().map(deliveryFromRow);
    return { instance, events, deliveries };
  }

  /** Merges refs (ids in partner systems) into the instance. Returns null for an unknown instance. */
  async mergeRefs(refs: Record<string, string>, appInfo?: JsonObject): Promise<InstanceRecord | null> {
    if (!this.#hasSchema) return null;
    const instance = readInstance(this.#sql);
    if (!instance) return null;
    const next = {
      ...instance,
      refs: { ...instance.refs, ...refs },
      appInfo: appInfo ? { ...instance.appInfo, ...appInfo } : instance.appInfo,
      updatedAt: new Date().toISOString(),
    };
    writeInstance(this.#sql, next);
    return next;
  }

  /** Records one delivery attempt reported by the queue consumer. Idempotent per attempt. */
  async recordAttempt(report: AttemptReport): Promise<DeliveryRecord | null> {
    const delivery = this.#hasSchema ? getDelivery(this.#sql, report.deliveryId) : null;
    if (!delivery) return null;
    // A late or duplicate report must not reopen a delivery that already reached a final state.
    if (delivery.status === "delivered") return delivery;
    const now = Date.now();
    let promoted: string | null = null;
    const n = delivery.attempts + 1;
    const log = [...delivery.attemptLog, { ...report.attempt, n }].slice(-MAX_ATTEMPT_LOG);
    const status = report.result === "retrying" ? "pending" : report.result;
    const lease = this.#leaseMs();
    const leaseUntil = status === "pending" ? now + (report.attempt.nextRetryS ?? 0) * 1000 + lease : null;
    this.#transaction(() => {
      this.#sql.exec(
        `UPDATE deliveries SET status = ?, reason = ?, attempts = ?, attempt_log = ?, lease_until = ?, updated_at = ? WHERE delivery_id = ?`,
        status, report.reason ?? null, n, JSON.stringify(log), leaseUntil, new Date(now).toISOString(), report.deliveryId,
      );
      if (report.refs || report.appInfo) {
        const instance = readInstance(this.#sql);
        if (instance) {
          writeInstance(this.#sql, {
            ...instance,
            refs: { ...instance.refs, ...(report.refs ?? {}) },
            appInfo: { ...instance.appInfo, ...(report.appInfo ?? {}) },
            updatedAt: new Date(now).toISOString(),
          });
        }
      }
      if (isSettled(status)) promoted = promoteNext(this.#sql, delivery.connector, now + lease, new Date(now).toISOString());
      this.#rescheduleAlarm();
    });
    await this.#sendIds(promoted ? [promoted] : []);
    return getDelivery(this.#sql, report.deliveryId);
  }

  /** Marks a delivery dead unless it was delivered or skipped meanwhile. Idempotent. */
  async markDead(deliveryId: string, reason: string): Promise<DeliveryRecord | null> {
    const delivery = this.#hasSchema ? getDelivery(this.#sql, deliveryId) : null;
    if (!delivery) return null;
    if (delivery.status !== "pending") return delivery;
    const now = Date.now();
    const promoted = this.#transaction(() => {
      this.#sql.exec("UPDATE deliveries SET status = 'dead', reason = ?, lease_until = NULL, updated_at = ? WHERE delivery_id = ?", reason, new Date(now).toISOString(), deliveryId);
      const next = promoteNext(this.#sql, delivery.connector, now + this.#leaseMs(), new Date(now).toISOString());
      this.#rescheduleAlarm();
      return next;
    });
    await this.#sendIds(promoted ? [promoted] : []);
    return { ...delivery, status: "dead", reason, leaseUntil: null };
  }

  /**
   * Queues a dead, pending or skipped delivery again with a fresh lease (a skipped one may have
   * been waiting for refs an operator has since set; the consumer checks again). Delivered ones
   * are not replayed: the partner already has them.
   */
  async replay(deliveryId: string): Promise<{ replayed: boolean; delivery: DeliveryRecord | null; message?: string }> {
    const delivery = this.#hasSchema ? getDelivery(this.#sql, deliveryId) : null;
    if (!delivery) return { replayed: false, delivery: null, message: "unknown delivery" };
    if (delivery.status === "delivered") {
      return { replayed: false, delivery, message: "delivery is delivered" };
    }
    if (delivery.status === "waiting") {
      return { replayed: false, delivery, message: "delivery is waiting behind an earlier delivery to the same partner" };
    }
    const leaseUntil = Date.now() + this.#leaseMs();
    this.#transaction(() => {
      this.#sql.exec("UPDATE deliveries SET status = 'pending', lease_until = ?, updated_at = ? WHERE delivery_id = ?", leaseUntil, new Date().toISOString(), deliveryId);
      this.#rescheduleAlarm();
    });
    const message = messageFor(this.#sql, deliveryId);
    if (message) await this.env.DELIVERIES.send(message);
    return { replayed: true, delivery: getDelivery(this.#sql, deliveryId) };
  }

  /** The queue messages of every delivery not yet settled (the outbox as it stands). */
  async pendingMessages(): Promise<DeliveryMessage[]> {
    if (!this.#hasSchema) return [];
    return this.#sql
      .exec<Row>("SELECT delivery_id FROM deliveries WHERE status = 'pending' ORDER BY created_at, delivery_id")
      .toArray()
      .map((r) => messageFor(this.#sql, String(r.delivery_id)))
      .filter((m): m is DeliveryMessage => m !== null);
  }

  /** Re-sends deliveries whose lease ran out: the queue lost them or their consumer died. */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    if (!this.#hasSchema) return;
    const now = Date.now();
    const leaseUntil = now + this.#leaseMs();
    const ids = this.#transaction(() => {
      const overdue = overdueDeliveries(this.#sql, now);
      for (const id of overdue) this.#sql.exec("UPDATE deliveries SET lease_until = ? WHERE delivery_id = ?", leaseUntil, id);
      const unstuck = stalledConnectors(this.#sql).map((c) => promoteNext(this.#sql, c, leaseUntil, new Date(now).toISOString()));
      return [...overdue, ...unstuck.filter((id): id is string => id !== null)];
    });
    await this.#sendIds(ids);
    this.#rescheduleAlarm();
  }

  async #sendIds(ids: string[]): Promise<void> {
    const messages = ids.map((id) => messageFor(this.#sql, id)).filter((m): m is DeliveryMessage => m !== null);
    if (messages.length > 0) await this.#send(messages);
  }

  async #send(messages: DeliveryMessage[]): Promise<void> {
    try {
      for (let i = 0; i < messages.length; i += 100) {
        await this.env.DELIVERIES.sendBatch(messages.slice(i, i + 100).map((body) => ({ body })));
      }
    } catch (err) {
      console.error(JSON.stringify({ msg: "queue send failed; alarm will retry", instance: messages[0]?.instanceKey, error: String(err) }));
      // Shorten the lease so the alarm picks these up at its next run instead of after a whole lease.
      const retryAt = Date.now() + SEND_RETRY_MS * retryDelayScale(this.env);
      this.#transaction(() => {
        for (const m of messages) this.#sql.exec("UPDATE deliveries SET lease_until = ? WHERE delivery_id = ? AND status = 'pending'", retryAt, m.deliveryId);
        this.#rescheduleAlarm();
      });
    }
  }

  /** The delivery lease under `RETRY_DELAY_SCALE`. */
  #leaseMs(): number {
    return leaseMs(retryDelayScale(this.env));
  }

  /** transactionSync, forgetting what a rolled-back transaction may have undone. */
  #transaction<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (err) {
      this.#alarmAt = null;
      this.#hasSchema = schemaExists(this.#sql);
      throw err;
    }
  }

  #ensureSchema(): SqlStorage {
    if (!this.#hasSchema) {
      this.#sql.exec(SCHEMA);
      this.#hasSchema = true;
    }
    return this.#sql;
  }

  /**
   * Makes sure an alarm fires by the earliest pending lease. An alarm already due earlier is left
   * alone (when it fires it schedules the next one), and one left over after the last delivery
   * settles is not deleted: firing once and finding nothing costs less than the write to delete it.
   * Inside a transaction the alarm commits with the rows.
   */
  #rescheduleAlarm(): void {
    const next = earliestLease(this.#sql);
    if (next === null || (this.#alarmAt !== null && this.#alarmAt <= next)) return;
    void this.ctx.storage.setAlarm(next);
    this.#alarmAt = next;
  }

}

/**
 * An order-scoped key identifies one event forever. A state-scoped key (freeze, release) is the
 * same event only while the state it produced holds, or after release, whose tombstone still
 * answers late duplicates with success.
 */
function isStillTheSameEvent(previous: EventRecord, cmd: LifecycleCommand, instance: InstanceRecord): boolean {
  if (cmd.keyScope === "order") return true;
  return instance.state === previous.toState || instance.state === "released";
}
