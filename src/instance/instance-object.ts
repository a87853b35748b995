/**
 * @module instance/instance-object
 * One Durable Object per subscription instance: the single source of truth for its state, its
 * idempotency ledger and its outbox.
 *
 * Every command is applied in one `transactionSync`: timestamp window and nonce, owner, ledger
 * look-up, marketplace-time order, the pure state machine, then state, event and outbox rows
 * together. No outbound call happens inside it; the outbox is sent to the queue afterwards, and
 * an alarm re-sends whatever no consumer has reported on within its lease, a bounded number of
 * times (instance/outbox).
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../bindings";
import { enabledConnectors, forwardPersonalData, retryDelayScale, type ConnectorName } from "../config";
import { planDeliveries } from "../delivery/plan";
import { indexDeadLetter, type DeadLetterSummary } from "../delivery/dead-letters";
import type { DeliveryMessage } from "../delivery/message";
import { affirmsState, isStale, laterOf, nonceKeepUntil, withinWindow } from "../lifecycle/call-order";
import { batchesOf, MAX_DELIVERY_MESSAGE_BYTES, messageBytes, tooLargeReason } from "../delivery/message-size";
import { eventSnapshot } from "../lifecycle/event-payload";
import { maskPersonalDataInText, withoutPersonalData } from "../lifecycle/personal-data";
import { mayAct } from "../lifecycle/owner";
import { decide, eventTypeFor, isStillTheSameEvent, type RejectReason } from "../lifecycle/state-machine";
import type { InstanceRecord, JsonObject, LifecycleCommand, NonceClaim } from "../lifecycle/types";
import {
  appendAttempt,
  backInLine,
  markDeadRow,
  pendingIds,
  recentDeliveries,
  recordReport,
  resendInFlight,
  ATTEMPT_CLAIM_MS,
  claimAttempt,
  deadLetterSummary,
  earliestLease,
  getDelivery,
  deliveryChangedSince,
  hasOpenDelivery,
  insertDelivery,
  isSettled,
  leaseMs,
  promoteNext,
  provisioningReplyPending,
  recordSendFailure,
  stalledConnectors,
  supersedingDelivery,
  takeOverdue,
  type SendFailure,
} from "./outbox";
import { newDeliveryId } from "./keys";
import { mergeRefsBounded } from "./refs-limits";
import { migrateSchema, SCHEMA, schemaExists } from "./schema";
import { claimNonce, insertEvent, latestEvent, messageFor, purgePersonalData, readInstance, recentEvents, writeInstance } from "./store";
import { hasRelayTable, relayStagedOpsEvents, RELAY_RETRY_MS, stageOpsEvents } from "../ops/relay";
import { driftDetected, driftRepaired } from "../ops/events";
import type { MorExpectation, Verdict } from "../reconcile/compare";
import { clearDrift, lastMorEvent, readDrift, readDrifts, writeDrift, type DriftRecord } from "./drift";
import { project } from "../projection/project";
import { connectorGate } from "../gate/admission";
import { deliveryProjection, instanceProjection, searchStatus, type DeliveryProjection, type DriftProjection } from "../projection/types";
import { markReplayedDead, stageDeadByObject, stageDeliveryOpsEvents } from "./ops-hooks";
import { overdueParked, parkDelivery, PARKED_RECHECK_MS, parkedFor, unpark, wokenMessage } from "./parking";
import type { AttemptRecord, DeliveryRecord, EventRecord } from "./records";

/**
 * `stale`: the call is older than the latest the instance accepted (lifecycle/call-order); it is
 * answered like a success and changes nothing. `not_owner`: the instance belongs to another
 * creator; adapters answer it exactly as an unknown instance.
 */
export type ApplyResult =
  | { outcome: "applied" | "duplicate" | "stale"; answer: JsonObject; instance: InstanceRecord }
  | { outcome: "rejected"; reason: RejectReason | "replayed_nonce" | "stale_timestamp" | "not_owner"; message: string };

export interface ReplayResult {
  replayed: boolean;
  delivery: DeliveryRecord | null;
  message?: string;
  /** Refused because a later delivery to the same partner was delivered or is in flight. */
  superseded?: boolean;
  /** The later delivery that made this replay out of order (refused, or sent anyway with force). */
  supersededBy?: string | null;
  /** True when `force` sent it although it was superseded. */
  forced?: boolean;
}

export interface InstanceDetails {
  instance: InstanceRecord;
  events: EventRecord[];
  deliveries: DeliveryRecord[];
  drift: DriftRecord[];
}

export interface DeliveryOutlook {
  status: DeliveryRecord["status"];
  /** This copy may attempt now: the delivery is pending and no other copy is being attempted. */
  claimed: boolean;
  refs: Record<string, string>;
  vendorReplyPending: boolean;
}

/** What the vendor's app reads (`GET /entitlements/{key}`): no personal data, no refs. */
export interface Entitlement {
  key: string;
  state: InstanceRecord["state"];
  expiresAt: string | null;
  plan: JsonObject;
  test: boolean;
  updatedAt: string;
}

/** The sweep's view of one instance: what MOR should hold, or why it is not checked now. */
export type ReconcileCheck = { check: MorExpectation } | { skip: "unknown" | "test" | "no_ref" | "in_flight" | "changed_since_listing" };

/** `skipped`: a MOR delivery changed after the listing was asked for, so the listing may predate it. */
export type ReconcileRecord = "agree" | "resolved" | "drifted" | "repairing" | "skipped";

export interface AttemptReport {
  deliveryId: string;
  result: "delivered" | "retrying" | "dead" | "skipped";
  attempt: Omit<AttemptRecord, "n">;
  /** False for a report that is not an attempt (waiting for refs): logged, not counted. */
  counts?: boolean;
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
      if (this.#hasSchema) migrateSchema(this.#sql);
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
    const deliveryIds = new Map<ConnectorName, string>(enabled.map((c) => [c, newDeliveryId()]));

    const result = this.#transaction((): ApplyResult & { queued?: DeliveryMessage[]; projected?: DeliveryProjection[] } => {
      if (cmd.nonce) {
        // The call may have waited (in a queue, behind a gate) since it was verified.
        if (!withinWindow(cmd.nonce, now.getTime())) return { outcome: "rejected", reason: "stale_timestamp", message: "timestamp outside the allowed window" };
        if (!claimNonce(this.#ensureSchema(), cmd.nonce.value, nonceKeepUntil(cmd.nonce), now.getTime())) {
          return { outcome: "rejected", reason: "replayed_nonce", message: "nonce already used" };
        }
      }
      const instance = this.#hasSchema ? readInstance(this.#sql) : null;
      // A repeated create is answered as before: its key was derived from the creator's identity.
      if (instance && cmd.action !== "provision" && !mayAct(instance.owner, cmd.owner)) {
        return { outcome: "rejected", reason: "not_owner", message: `instance ${cmd.externalId} does not exist` };
      }
      const previous = this.#hasSchema ? latestEvent(this.#sql, cmd.eventKey) : null;
      if (previous && instance && (isSameMarketCall(previous, cmd) || isStillTheSameEvent(previous, cmd, instance))) {
        return { outcome: "duplicate", answer: previous.answer, instance: this.#settle(instance, cmd, affirmsState(cmd)) };
      }
      if (instance && isStale(instance.marketTime, cmd.marketTime)) {
        console.log({
          msg: "stale call answered without applying",
          instance: instance.key,
          eventKey: cmd.eventKey,
          marketTime: cmd.marketTime,
          latest: instance.marketTime,
        });
        return { outcome: "stale", answer: cmd.answer, instance };
      }

      const decision = decide(instance, cmd, now);
      if (decision.kind === "reject") return { outcome: "rejected", reason: decision.reason, message: decision.message };
      if (decision.kind === "noop") return { outcome: "duplicate", answer: cmd.answer, instance: this.#settle(instance!, cmd, affirmsState(cmd)) };

      this.#ensureSchema();
      const stamp = now.toISOString();
      // Release deletes the buyer's data; the tombstone keeps the facts so late duplicates still
      // get their answer, and refs so the partners can still be told.
      const released = decision.to === "released";
      const next: InstanceRecord = {
        key: cmd.instanceKey,
        source: cmd.source,
        externalId: cmd.externalId,
        state: decision.to,
        plan: released ? withoutPersonalData(decision.plan) : decision.plan,
        expiresAt: decision.expiresAt,
        refs: instance?.refs ?? {},
        appInfo: released ? withoutPersonalData(instance?.appInfo ?? {}) : (instance?.appInfo ?? {}),
        test: instance ? instance.test : cmd.test,
        version: (instance?.version ?? 0) + 1,
        createdAt: instance?.createdAt ?? stamp,
        updatedAt: stamp,
        marketTime: laterOf(instance?.marketTime ?? null, cmd.marketTime),
        owner: instance?.owner ?? cmd.owner ?? null,
      };
      writeInstance(this.#sql, next);
      if (released) purgePersonalData(this.#sql);
      const type = eventTypeFor(cmd.subject ?? "instance", decision.eventType);
      const snapshot = eventSnapshot({
        type,
        occurredAt: stamp,
        test: cmd.test,
        instance: next,
        origin: cmd.origin,
        forwardPersonalData: forwardPersonal && !released,
      });
      const seq = insertEvent(this.#sql, eventId, cmd, decision.from, next.state, stamp, snapshot);

      const queued: DeliveryMessage[] = [];
      const projected: DeliveryProjection[] = [];
      const leaseUntil = now.getTime() + lease;
      for (const plan of planDeliveries({ type, test: cmd.test, enabled })) {
        const deliveryId = deliveryIds.get(plan.connector)!;
        const common = { deliveryId, eventSeq: seq, connector: plan.connector, at: stamp };
        const skipped = plan.status === "skipped";
        projected.push({
          deliveryId,
          instanceKey: next.key,
          connector: plan.connector,
          eventType: type,
          status: skipped ? "skipped" : searchStatus("pending", 0),
          attempts: 0,
          reason: skipped ? plan.reason : null,
          createdAt: stamp,
          updatedAt: stamp,
          ...(skipped ? { countAs: "skipped" as const } : {}),
        });
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
      return { outcome: "applied", answer: cmd.answer, instance: next, queued, projected };
    });

    if (result.outcome === "applied" && result.queued && result.queued.length > 0) {
      // Answer the marketplace now; the lease alarm covers a send that fails or never finishes.
      this.ctx.waitUntil(this.#send(result.queued));
    }
    if (result.outcome === "applied") {
      // The operations index, also after the answer: a projection, rebuildable from this object.
      this.ctx.waitUntil(project(this.env, { instances: [instanceProjection(result.instance)], deliveries: result.projected ?? [] }));
    }
    if (result.outcome === "applied") return { outcome: result.outcome, answer: result.answer, instance: result.instance };
    return result;
  }

  /**
   * Records a V2 nonce for a call that applies no command (queryInstance). False if already used,
   * or if the call's window has closed on this object's clock.
   */
  async claimNonce(nonce: NonceClaim): Promise<boolean> {
    const now = Date.now();
    if (!withinWindow(nonce, now)) return false;
    return this.#transaction(() => claimNonce(this.#ensureSchema(), nonce.value, nonceKeepUntil(nonce), now));
  }

  /** The instance, or null when this object has never been provisioned. */
  async view(): Promise<InstanceRecord | null> {
    return this.#hasSchema ? readInstance(this.#sql) : null;
  }

  /**
   * For a delivery whose connector lacks refs: the refs as they stand, and whether the vendor's
   * reply to instance.provisioned, which usually brings them, is still being delivered.
   */
  /**
   * What the consumer needs before an attempt: whether this copy of the delivery is still the one
   * to send (only a `pending` delivery is; a copy of one already settled, or parked, must not reach
   * the partner again, or an old effect could land after a newer one), the instance's current refs,
   * and whether the vendor's reply that usually brings them is still on its way.
   */
  async deliveryOutlook(deliveryId: string): Promise<DeliveryOutlook | null> {
    if (!this.#hasSchema) return null;
    const instance = readInstance(this.#sql);
    const delivery = getDelivery(this.#sql, deliveryId);
    if (!instance || !delivery) return null;
    const claimed = delivery.status === "pending" && claimAttempt(this.#sql, deliveryId, Date.now(), ATTEMPT_CLAIM_MS * retryDelayScale(this.env));
    return { status: delivery.status, claimed, refs: instance.refs, vendorReplyPending: provisioningReplyPending(this.#sql) };
  }

  async details(limit = 50): Promise<InstanceDetails | null> {
    if (!this.#hasSchema) return null;
    const instance = readInstance(this.#sql);
    if (!instance) return null;
    return { instance, events: recentEvents(this.#sql, limit), deliveries: recentDeliveries(this.#sql, limit * 3), drift: readDrifts(this.#sql) };
  }

  /** For `GET /entitlements/{key}`. Read-only: an unknown key creates no storage. */
  async entitlement(): Promise<Entitlement | null> {
    const instance = this.#hasSchema ? readInstance(this.#sql) : null;
    if (!instance) return null;
    const { key, state, expiresAt, test, updatedAt } = instance;
    return { key, state, expiresAt, plan: withoutPersonalData(instance.plan), test, updatedAt };
  }

  /**
   * What MOR should hold for this instance (docs/reconciliation.md). Read-only. `listedAtMs`: when
   * the sweep asked MOR for its listing; a MOR delivery that changed since may not show in it.
   */
  async morExpectation(listedAtMs?: number): Promise<ReconcileCheck> {
    const instance = this.#hasSchema ? readInstance(this.#sql) : null;
    if (!instance) return { skip: "unknown" };
    if (instance.test) return { skip: "test" };
    const subscriptionId = instance.refs["mor.subscriptionId"] ?? "";
    if (!/^\d+$/.test(subscriptionId)) return { skip: "no_ref" };
    // A delivery on its way will change what MOR holds: judge after it settles.
    if (hasOpenDelivery(this.#sql, "mor")) return { skip: "in_flight" };
    if (this.#morChangedSince(listedAtMs)) return { skip: "changed_since_listing" };
    return { check: { subscriptionId: subscriptionId.replace(/^0+(?=\d)/, ""), target: lastMorEvent(this.#sql)?.target ?? null } };
  }

  /**
   * Records a sweep's verdict: a drift is recorded and announced once; with `repair`, the latest
   * MOR-bound event is sent again as a new delivery through the outbox (once per drift); agreement
   * ends a recorded drift and announces `instance.drift_repaired`.
   */
  async recordReconcile(connector: "mor", verdict: Verdict, repair: boolean, listedAtMs?: number): Promise<ReconcileRecord> {
    const instance = this.#hasSchema ? readInstance(this.#sql) : null;
    if (!instance) return verdict.agree ? "agree" : "drifted";
    const now = Date.now();
    const at = new Date(now).toISOString();
    const about = { connector, instanceKey: instance.key, partnerValue: verdict.partnerValue, instanceValue: verdict.instanceValue };
    let queued: DeliveryMessage | null = null;
    let staged = false;
    let drift: DriftProjection | null = null;
    const result = this.#transaction((): ReconcileRecord => {
      // A delivery that settled between morExpectation and now: the verdict is already stale.
      if (this.#morChangedSince(listedAtMs)) return "skipped";
      const existing = readDrift(this.#sql, connector);
      if (verdict.agree) {
        if (!existing) return "agree";
        clearDrift(this.#sql, connector);
        staged = stageOpsEvents(
          this.#sql,
          this.env,
          [driftRepaired({ ...about, since: existing.since, repairedBy: existing.repaired ? "resend" : "partner" }, at)],
          now,
        );
        drift = { ...about, since: existing.since, repaired: existing.repaired, updatedAt: at, cleared: true };
        return "resolved";
      }
      const since = existing?.since ?? at;
      let repairDeliveryId = existing?.repairDeliveryId ?? null;
      const last = lastMorEvent(this.#sql);
      const repairNow = repair && !existing?.repaired && last !== null && last.target !== null && !hasOpenDelivery(this.#sql, connector);
      if (repairNow) {
        repairDeliveryId = newDeliveryId();
        insertDelivery(this.#sql, {
          deliveryId: repairDeliveryId,
          eventSeq: last.seq,
          connector,
          status: "pending",
          reason: null,
          leaseUntil: now + this.#leaseMs(),
          at,
        });
        queued = messageFor(this.#sql, repairDeliveryId);
        this.#rescheduleAlarm();
      }
      const repaired = (existing?.repaired ?? false) || repairNow;
      writeDrift(this.#sql, {
        connector,
        partnerValue: verdict.partnerValue,
        instanceValue: verdict.instanceValue,
        since,
        repaired,
        repairDeliveryId,
        updatedAt: at,
      });
      if (!existing) staged = stageOpsEvents(this.#sql, this.env, [driftDetected({ ...about, since })], now);
      drift = { ...about, since, repaired, updatedAt: at };
      return repairNow ? "repairing" : "drifted";
    });
    const deliveries: DeliveryProjection[] = [];
    if (queued) {
      const m: DeliveryMessage = queued;
      deliveries.push({
        deliveryId: m.deliveryId,
        instanceKey: m.instanceKey,
        connector,
        eventType: m.event.type,
        status: "pending",
        attempts: 0,
        reason: null,
        createdAt: at,
        updatedAt: at,
      });
      await this.#send([m]);
    }
    if (drift || deliveries.length > 0) this.ctx.waitUntil(project(this.env, { drifts: drift ? [drift] : [], deliveries }));
    if (staged) await this.#relayOps();
    return result;
  }

  #morChangedSince(listedAtMs: number | undefined): boolean {
    return listedAtMs !== undefined && deliveryChangedSince(this.#sql, "mor", listedAtMs);
  }

  /** Merges refs (ids in partner systems) into the instance. Returns null for an unknown instance. */
  async mergeRefs(refs: Record<string, string>, appInfo?: JsonObject): Promise<InstanceRecord | null> {
    if (!this.#hasSchema) return null;
    const instance = readInstance(this.#sql);
    if (!instance) return null;
    const next = {
      ...instance,
      refs: { ...instance.refs, ...refs },
      appInfo: appInfo ? { ...instance.appInfo, ...admissible(instance, appInfo) } : instance.appInfo,
      updatedAt: new Date().toISOString(),
    };
    writeInstance(this.#sql, next);
    this.ctx.waitUntil(project(this.env, { instances: [instanceProjection(next)] }));
    return next;
  }

  /**
   * Records one delivery attempt reported by the queue consumer. Idempotent per attempt: a consumer
   * whose first report got through but whose answer did not may report the same attempt again (same
   * start time and outcome), and that changes nothing.
   */
  async recordAttempt(report: AttemptReport): Promise<DeliveryRecord | null> {
    const delivery = this.#hasSchema ? getDelivery(this.#sql, report.deliveryId) : null;
    if (!delivery) return null;
    // A late or duplicate report must not reopen a delivery that already reached a final state:
    // the next one of its connector may be on its way. Only news of a success is still recorded
    // (the partner has the effect, whatever the object had concluded).
    if (isSettled(delivery.status) && (report.result !== "delivered" || delivery.status === "delivered")) return delivery;
    const last = delivery.attemptLog[delivery.attemptLog.length - 1];
    if (last && last.at === report.attempt.at && last.outcome === report.attempt.outcome) return delivery;
    const now = Date.now();
    let promoted: string | null = null;
    const current = readInstance(this.#sql);
    // A partner's answer is kept as the instance's other personal data is: only while forwarding
    // is on and the instance is not released.
    const keepPersonal = this.#forwardsPersonalData() && current?.state !== "released";
    const attempt = keepPersonal ? report.attempt : { ...report.attempt, excerpt: maskPersonalDataInText(report.attempt.excerpt) };
    const log = appendAttempt(delivery, attempt);
    let staged = false;
    const n = delivery.attempts + 1;
    const status = report.result === "retrying" ? "pending" : report.result;
    const lease = this.#leaseMs();
    const leaseUntil = status === "pending" ? now + (report.attempt.nextRetryS ?? 0) * 1000 + lease : null;
    this.#transaction(() => {
      let reason = report.reason ?? null;
      if (report.refs || report.appInfo) {
        const instance = readInstance(this.#sql);
        if (instance) {
          const merged = mergeRefsBounded(instance.refs, report.refs ?? {});
          if (merged.ignored.length > 0) reason = [reason, `not stored: ${merged.ignored.join(", ")}`].filter(Boolean).join("; ");
          writeInstance(this.#sql, {
            ...instance,
            refs: merged.refs,
            appInfo: { ...instance.appInfo, ...admissible(instance, report.appInfo ?? {}) },
            updatedAt: new Date(now).toISOString(),
          });
        }
      }
      // A consumer reported: the queue has the delivery, so its unreported sends start again from 0.
      recordReport(this.#sql, report.deliveryId, {
        status,
        reason,
        attempts: delivery.attempts + (report.counts === false ? 0 : 1),
        log,
        leaseUntil,
        at: new Date(now).toISOString(),
      });
      if (isSettled(status)) promoted = promoteNext(this.#sql, delivery.connector, now + lease, new Date(now).toISOString());
      staged = stageDeliveryOpsEvents(
        this.#sql,
        this.env,
        readInstance(this.#sql)?.key ?? "",
        delivery,
        { status, attempts: n, reason: report.reason ?? null },
        now,
      );
      this.#rescheduleAlarm();
    });
    await this.#sendIds(promoted ? [promoted] : []);
    if (staged) await this.#relayOps();
    // New refs may make the instance one the reconciliation sweep visits.
    const withRefs = report.refs ? readInstance(this.#sql) : null;
    if (withRefs) this.ctx.waitUntil(project(this.env, { instances: [instanceProjection(withRefs)] }));
    return getDelivery(this.#sql, report.deliveryId);
  }

  /** Marks a delivery dead unless it was delivered or skipped meanwhile. Idempotent. */
  async markDead(deliveryId: string, reason: string): Promise<DeliveryRecord | null> {
    const delivery = this.#hasSchema ? getDelivery(this.#sql, deliveryId) : null;
    if (!delivery) return null;
    if (delivery.status !== "pending") return delivery;
    const now = Date.now();
    let staged = false;
    const promoted = this.#transaction(() => {
      markDeadRow(this.#sql, deliveryId, reason, new Date(now).toISOString());
      const next = promoteNext(this.#sql, delivery.connector, now + this.#leaseMs(), new Date(now).toISOString());
      staged = stageDeliveryOpsEvents(
        this.#sql,
        this.env,
        readInstance(this.#sql)?.key ?? "",
        delivery,
        { status: "dead", attempts: delivery.attempts, reason },
        now,
      );
      this.#rescheduleAlarm();
      return next;
    });
    await this.#sendIds(promoted ? [promoted] : []);
    if (staged) await this.#relayOps();
    return { ...delivery, status: "dead", reason, leaseUntil: null, updatedAt: new Date(now).toISOString() };
  }

  /**
   * Queues a dead, pending or skipped delivery again with a fresh lease (a skipped one may have
   * been waiting for refs an operator has since set; the consumer checks again). Delivered ones
   * are not replayed: the partner already has them.
   *
   * A replay must not reorder what a partner sees of this instance: when a later event's delivery
   * to the same partner was delivered or is in flight, this older one would land after it (an old
   * `instance.renewed` after `instance.expired` moves MOR's end date back), so it is refused
   * unless `force` is given. Otherwise it goes back in line: it waits behind a delivery already in
   * flight to that partner, and the line is served in event order.
   */
  async replay(deliveryId: string, opts: { force?: boolean } = {}): Promise<ReplayResult> {
    const delivery = this.#hasSchema ? getDelivery(this.#sql, deliveryId) : null;
    if (!delivery) return { replayed: false, delivery: null, message: "unknown delivery" };
    if (delivery.status === "delivered") {
      return { replayed: false, delivery, message: "delivery is delivered" };
    }
    if (delivery.status === "waiting") {
      return { replayed: false, delivery, message: "delivery is waiting behind an earlier delivery to the same partner" };
    }
    const later = supersedingDelivery(this.#sql, delivery);
    if (later && !opts.force) {
      const where = later.status === "delivered" ? "was already delivered to" : "is already on its way to";
      return {
        replayed: false,
        delivery,
        superseded: true,
        supersededBy: later.deliveryId,
        message:
          `a later event (${later.type}, delivery ${later.deliveryId}) ${where} ${delivery.connector}; ` +
          `replaying this one would move ${delivery.connector}'s view of the instance back. Pass force=true to send it anyway.`,
      };
    }
    const message = messageFor(this.#sql, deliveryId);
    if (!message) return { replayed: false, delivery, message: "the delivery's event is gone" };
    const bytes = messageBytes(message);
    if (bytes > MAX_DELIVERY_MESSAGE_BYTES) return { replayed: false, delivery, message: tooLargeReason(bytes) };
    const now = Date.now();
    const at = new Date(now).toISOString();
    const leaseUntil = now + this.#leaseMs();
    const send = this.#transaction(() => {
      let id: string | null = deliveryId;
      if (delivery.status === "pending") {
        // Already the one in flight: send it again with a fresh lease.
        resendInFlight(this.#sql, deliveryId, leaseUntil, at);
      } else {
        backInLine(this.#sql, deliveryId, at);
        id = promoteNext(this.#sql, delivery.connector, leaseUntil, at);
      }
      if (delivery.status === "dead") markReplayedDead(this.#sql, this.env, deliveryId);
      this.#rescheduleAlarm();
      return id;
    });
    // A send the queue refuses now is retried by the alarm, like any other.
    await this.#sendIds(send ? [send] : []);
    const replayed = getDelivery(this.#sql, deliveryId);
    if (replayed) this.ctx.waitUntil(project(this.env, { deliveries: [deliveryProjection(replayed, message.instanceKey, message.event.type)] }));
    return { replayed: true, delivery: replayed, supersededBy: later?.deliveryId ?? null, forced: later !== null };
  }

  /** Several replays, oldest event first, so that each partner gets them in the order they happened. */
  async replayMany(deliveryIds: string[], opts: { force?: boolean } = {}): Promise<Array<ReplayResult & { deliveryId: string }>> {
    const known = this.#hasSchema ? deliveryIds.map((id) => ({ id, d: getDelivery(this.#sql, id) })) : deliveryIds.map((id) => ({ id, d: null }));
    known.sort((a, b) => (a.d?.eventSeq ?? Infinity) - (b.d?.eventSeq ?? Infinity) || (a.d?.createdAt ?? "").localeCompare(b.d?.createdAt ?? ""));
    const results: Array<ReplayResult & { deliveryId: string }> = [];
    for (const { id } of known) results.push({ deliveryId: id, ...(await this.replay(id, opts)) });
    return results;
  }

  /** The queue messages of every delivery not yet settled (the outbox as it stands). */
  async pendingMessages(): Promise<DeliveryMessage[]> {
    if (!this.#hasSchema) return [];
    return pendingIds(this.#sql)
      .map((id) => messageFor(this.#sql, id))
      .filter((m): m is DeliveryMessage => m !== null);
  }

  /**
   * Re-sends deliveries whose lease ran out (the queue lost them, their consumer died, or the queue
   * refused the last send), dead-letters those sent too often without a report, and puts in
   * flight any connector's next delivery that has nothing ahead of it.
   */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    if (!this.#hasSchema) return;
    const now = Date.now();
    const leaseUntil = now + this.#leaseMs();
    let rechecked: string[] = [];
    const { resend, dead } = this.#transaction(() => {
      const { resend, dead } = takeOverdue(this.#sql, now, this.#leaseMs());
      // A parked delivery's lease is its recheck: a lost wake-up from the gate cannot strand it.
      rechecked = overdueParked(this.#sql, now);
      unpark(this.#sql, rechecked, leaseUntil, new Date(now).toISOString());
      const unstuck = stalledConnectors(this.#sql).map((c) => promoteNext(this.#sql, c, leaseUntil, new Date(now).toISOString()));
      return { resend: [...resend, ...unstuck.filter((id): id is string => id !== null)], dead };
    });
    await this.#indexDead(dead);
    await this.#sendIds(resend);
    await this.#sendWoken(rechecked);
    if (hasRelayTable(this.#sql)) await this.#relayOps();
    this.#rescheduleAlarm();
  }

  /**
   * What a call that applies nothing still records, inside the caller's transaction: the owner it
   * binds an unbound instance to, and, when it confirms the current state, its marketplace time.
   */
  #settle(instance: InstanceRecord, cmd: LifecycleCommand, affirms: boolean): InstanceRecord {
    const owner = instance.owner ?? cmd.owner ?? null;
    const marketTime = affirms ? laterOf(instance.marketTime, cmd.marketTime) : instance.marketTime;
    if (owner === instance.owner && marketTime === instance.marketTime) return instance;
    const next = { ...instance, owner, marketTime };
    writeInstance(this.#sql, next);
    return next;
  }

  /**
   * The consumer found this delivery's partner paused: hold it here, without spending an attempt,
   * until the connector's gate wakes it. If the gate says the partner is no longer paused (it
   * resumed in between), it goes out again at once.
   */
  async park(deliveryId: string): Promise<{ parked: boolean }> {
    const delivery = this.#hasSchema ? getDelivery(this.#sql, deliveryId) : null;
    const instance = this.#hasSchema ? readInstance(this.#sql) : null;
    if (!delivery || !instance) return { parked: false };
    const now = Date.now();
    const parked = this.#transaction(() => {
      const done = parkDelivery(this.#sql, deliveryId, now + PARKED_RECHECK_MS, new Date(now).toISOString());
      if (done) this.#rescheduleAlarm();
      return done;
    });
    if (!parked) return { parked: false };
    const connector = delivery.connector as ConnectorName;
    const { paused } = await connectorGate(this.env, connector).registerParked(connector, instance.key);
    if (!paused) await this.wakeParked(connector);
    return { parked: paused };
  }

  /** Puts this connector's parked delivery back on the queue (the gate resumed, or chose it as a probe). Returns its id. */
  async wakeParked(connector: string): Promise<string | null> {
    if (!this.#hasSchema) return null;
    const now = Date.now();
    const ids = this.#transaction(() => {
      const parked = parkedFor(this.#sql, connector);
      unpark(this.#sql, parked, now + this.#leaseMs(), new Date(now).toISOString());
      if (parked.length > 0) this.#rescheduleAlarm();
      return parked;
    });
    await this.#sendWoken(ids);
    return ids[0] ?? null;
  }

  async #sendWoken(ids: string[]): Promise<void> {
    const messages = ids.map((id) => wokenMessage(this.#sql, id)).filter((m): m is DeliveryMessage => m !== null);
    if (messages.length > 0) await this.#send(messages);
  }

  /** Hands staged operational events on; what cannot go now is tried again by the alarm. */
  async #relayOps(): Promise<void> {
    if (await relayStagedOpsEvents(this.#sql, this.env)) return;
    const at = Date.now() + RELAY_RETRY_MS;
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    void this.ctx.storage.setAlarm(at);
    this.#alarmAt = at;
  }

  async #sendIds(ids: string[]): Promise<void> {
    const messages = ids.map((id) => messageFor(this.#sql, id)).filter((m): m is DeliveryMessage => m !== null);
    if (messages.length > 0) await this.#send(messages);
  }

  /**
   * Sends deliveries to the queue and records every send the queue does not take (instance/outbox).
   * Never throws. A delivery dead-lettered here lets the next one of its connector go, which is
   * sent in the following round; each round settles a delivery for good, so the loop ends.
   */
  async #send(messages: DeliveryMessage[]): Promise<void> {
    let round = messages;
    while (round.length > 0) {
      const failures = await this.#enqueue(round);
      if (failures.length === 0) return;
      const now = Date.now();
      const { dead, promoted } = this.#transaction(() => {
        const dead: string[] = [];
        const promoted: string[] = [];
        for (const failure of failures) {
          const record = recordSendFailure(this.#sql, failure, now, retryDelayScale(this.env));
          if (!record) continue;
          dead.push(record.deliveryId);
          const next = promoteNext(this.#sql, record.connector, now + this.#leaseMs(), new Date(now).toISOString());
          if (next) promoted.push(next);
        }
        this.#rescheduleAlarm();
        return { dead, promoted };
      });
      await this.#indexDead(dead);
      round = promoted.map((id) => messageFor(this.#sql, id)).filter((m): m is DeliveryMessage => m !== null);
    }
  }

  /** Hands messages to the queue; returns the ones it did not take, and why. */
  async #enqueue(messages: DeliveryMessage[]): Promise<SendFailure[]> {
    const failures: SendFailure[] = [];
    const sized = messages.map((body) => ({ body, bytes: messageBytes(body) }));
    for (const { body, bytes } of sized) if (bytes > MAX_DELIVERY_MESSAGE_BYTES) failures.push({ deliveryId: body.deliveryId, kind: "too_large", bytes });
    for (const batch of batchesOf(sized.filter((m) => m.bytes <= MAX_DELIVERY_MESSAGE_BYTES))) {
      try {
        await this.env.DELIVERIES.sendBatch(batch.map(({ body }) => ({ body, contentType: "json" })));
        continue;
      } catch (err) {
        if (batch.length === 1) {
          failures.push({ deliveryId: batch[0]!.body.deliveryId, kind: "failed", error: errorText(err) });
          continue;
        }
      }
      // The batch failed as a whole: send its messages one by one, so each failure is its own.
      for (const { body } of batch) {
        try {
          await this.env.DELIVERIES.send(body, { contentType: "json" });
        } catch (err) {
          failures.push({ deliveryId: body.deliveryId, kind: "failed", error: errorText(err) });
        }
      }
    }
    if (failures.length > 0) {
      console.error({
        msg: "queue send failed",
        instance: messages[0]?.instanceKey,
        failures: failures.map((f) => ({ deliveryId: f.deliveryId, ...(f.kind === "failed" ? { error: f.error } : { bytes: f.bytes }) })),
      });
    }
    return failures;
  }

  /** Lists deliveries dead-lettered here (not through the dead-letter queue) in the KV index. */
  /** Deliveries this object dead-lettered itself: listed, announced and projected like any other dead letter. */
  async #indexDead(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const summaries = ids.map((id) => deadLetterSummary(this.#sql, id)).filter((s): s is DeadLetterSummary => s !== null);
    const now = Date.now();
    const staged = this.#transaction(() => summaries.map((s) => stageDeadByObject(this.#sql, this.env, s, now)).some(Boolean));
    for (const summary of summaries) {
      try {
        await indexDeadLetter(this.env.CACHE, summary);
      } catch (err) {
        // The delivery is dead in this object either way; the admin instance view still shows it.
        console.error({ msg: "dead-letter index write failed", deliveryId: summary.deliveryId, error: errorText(err) });
      }
    }
    const projected = summaries
      .map((s) => getDelivery(this.#sql, s.deliveryId))
      .filter((d): d is DeliveryRecord => d !== null)
      .map((d, i) => deliveryProjection(d, summaries[i]!.instanceKey, summaries[i]!.eventType));
    this.ctx.waitUntil(project(this.env, { deliveries: projected }));
    if (staged) await this.#relayOps();
  }

  /** A malformed setting withholds: the answer to the caller is not this object's concern. */
  #forwardsPersonalData(): boolean {
    try {
      return forwardPersonalData(this.env);
    } catch {
      return false;
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

/** App info arriving after release (a late vendor reply, an operator) adds no personal data. */
function admissible(instance: InstanceRecord, appInfo: JsonObject): JsonObject {
  return instance.state === "released" ? withoutPersonalData(appInfo) : appInfo;
}

/** The same marketplace call again: the same event key stamped with the same marketplace time. */
function isSameMarketCall(previous: EventRecord, cmd: LifecycleCommand): boolean {
  return cmd.marketTime !== undefined && previous.marketTime === cmd.marketTime;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
