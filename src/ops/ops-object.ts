/**
 * @module ops/ops-object
 * The outbox of operational events: one Durable Object (named "ops") for the whole gateway,
 * since these events are rare (a dead letter, a pause). Instances and connector gates hand their
 * events over with `emit` (idempotent per event id); from here they are deliveries like any
 * other: queued on their own queue, retried by the same policy, dead in the end, with a lease
 * alarm that re-sends what no consumer reported on. An event that dies here is recorded and
 * never announced: operational events are never about themselves.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../bindings";
import { opsEnabled } from "../config";
import { DELIVERY_LEASE_MS } from "../instance/outbox";
import { laneOf, type OpsEvent } from "./events";
import type { OpsMessage } from "./message";
import {
  earliestLease,
  exists,
  insertOpsEvent,
  messageFor,
  noteOutcome,
  OPS_SCHEMA,
  overdue,
  promoteNext,
  pruneDelivered,
  settle,
  stalledLanes,
  statusOf,
  summary,
  type OpsSummary,
} from "./outbox-store";

const SEND_RETRY_MS = 5_000;
/** Delivered events are kept this long (for `GET /admin/connectors`), then pruned. */
const KEEP_DELIVERED_MS = 30 * 86_400_000;

export interface OpsAttemptReport {
  deliveryId: string;
  result: "delivered" | "retrying" | "dead";
  status?: number;
  nextRetryS?: number;
  reason?: string;
}

export class OpsObject extends DurableObject<Bindings> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => this.#sql.exec(OPS_SCHEMA));
  }

  /** Accepts events; an id already held is ignored. Returns how many were new. */
  async emit(events: OpsEvent[]): Promise<number> {
    if (!opsEnabled(this.env)) return 0;
    const now = Date.now();
    const at = new Date(now).toISOString();
    const queued: string[] = [];
    let accepted = 0;
    this.ctx.storage.transactionSync(() => {
      for (const event of events) {
        if (exists(this.#sql, event.id)) continue;
        accepted++;
        if (insertOpsEvent(this.#sql, event, laneOf(event), now + DELIVERY_LEASE_MS, at)) queued.push(event.id);
      }
      pruneDelivered(this.#sql, new Date(now - KEEP_DELIVERED_MS).toISOString());
      this.#scheduleAlarm();
    });
    await this.#send(queued);
    return accepted;
  }

  /** One attempt reported by the ops consumer. Idempotent: a settled event stays settled. */
  async recordAttempt(report: OpsAttemptReport): Promise<void> {
    const current = statusOf(this.#sql, report.deliveryId);
    if (!current || current.status === "delivered" || current.status === "dead") return;
    const now = Date.now();
    const at = new Date(now).toISOString();
    let promoted: string | null = null;
    this.ctx.storage.transactionSync(() => {
      const status = report.result === "retrying" ? "pending" : report.result;
      const leaseUntil = status === "pending" ? now + (report.nextRetryS ?? 0) * 1000 + DELIVERY_LEASE_MS : null;
      settle(this.#sql, report.deliveryId, status, {
        attempts: current.attempts + 1,
        reason: report.reason ?? null,
        leaseUntil,
        httpStatus: report.status ?? null,
        at,
      });
      noteOutcome(this.#sql, report.result === "delivered", at, report.reason ?? null);
      if (status !== "pending") promoted = promoteNext(this.#sql, current.lane, now + DELIVERY_LEASE_MS, at);
      this.#scheduleAlarm();
    });
    await this.#send(promoted ? [promoted] : []);
  }

  /** Queues gave up on the message (the consumer kept crashing): dead, unless settled meanwhile. */
  async markDead(deliveryId: string, reason: string): Promise<void> {
    const current = statusOf(this.#sql, deliveryId);
    if (!current || current.status !== "pending") return;
    await this.recordAttempt({ deliveryId, result: "dead", reason });
  }

  async summary(): Promise<OpsSummary> {
    return summary(this.#sql);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const ids = this.ctx.storage.transactionSync(() => {
      const late = overdue(this.#sql, now);
      for (const id of late) this.#sql.exec("UPDATE ops_deliveries SET lease_until = ? WHERE delivery_id = ?", now + DELIVERY_LEASE_MS, id);
      const unstuck = stalledLanes(this.#sql).map((lane) => promoteNext(this.#sql, lane, now + DELIVERY_LEASE_MS, at));
      return [...late, ...unstuck.filter((id): id is string => id !== null)];
    });
    await this.#send(ids);
    this.#scheduleAlarm();
  }

  async #send(ids: string[]): Promise<void> {
    const messages = ids.map((id) => messageFor(this.#sql, id)).filter((m): m is OpsMessage => m !== null);
    if (messages.length === 0) return;
    try {
      await this.env.OPS_EVENTS.sendBatch(messages.map((body) => ({ body })));
    } catch (err) {
      console.error({ msg: "ops queue send failed; alarm will retry", events: messages.length, error: String(err) });
      const retryAt = Date.now() + SEND_RETRY_MS;
      this.ctx.storage.transactionSync(() => {
        for (const m of messages)
          this.#sql.exec("UPDATE ops_deliveries SET lease_until = ? WHERE delivery_id = ? AND status = 'pending'", retryAt, m.deliveryId);
        this.#scheduleAlarm();
      });
    }
  }

  #scheduleAlarm(): void {
    const next = earliestLease(this.#sql);
    if (next !== null) void this.ctx.storage.setAlarm(next);
  }
}
