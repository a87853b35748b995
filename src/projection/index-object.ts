/**
 * @module projection/index-object
 * The operations index: one Durable Object (named "index") with SQLite, holding a projection of
 * the instance objects (instances and deliveries, for search) and the figures (calls and delivery
 * outcomes per minute). Strongly consistent, queried with SQL filters and keyset cursors. It is
 * never the truth: the instance objects are, and `POST /admin/index/rebuild` re-projects them.
 * Why this store and what it costs per event: docs/operations-index.md.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../bindings";
import {
  addInbound,
  addReconcileTargets,
  advanceReconcile,
  findDrifts,
  reconcileSlice,
  upsertDrift,
  type DriftFilter,
  type IndexedDrift,
  connectorFigures,
  figures,
  findDeliveries,
  findInstances,
  INDEX_SCHEMA,
  prune,
  upsertDelivery,
  upsertInstance,
  type ConnectorFigures,
  type DeliveryFilter,
  type Figures,
  type IndexedDelivery,
  type IndexedInstance,
  type InstanceFilter,
} from "./index-store";
import { FIGURES_RETENTION_MS, type Position } from "./search";
import type { ProjectionBatch } from "./types";

/** Delivered and skipped deliveries leave the index after this long without a change (the instance keeps them). */
const SETTLED_RETENTION_MS = 90 * 86_400_000;
const PRUNE_EVERY_MS = 86_400_000;

export interface InboundCount {
  minute: number;
  route: string;
  result: string;
  calls: number;
}

export class IndexObject extends DurableObject<Bindings> {
  readonly #sql: SqlStorage;
  #alarmSet = false;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(INDEX_SCHEMA);
      this.#alarmSet = (await ctx.storage.getAlarm()) !== null;
    });
  }

  /** Stores what changed; older versions than the stored ones are ignored. Returns how many rows changed. */
  async project(batch: ProjectionBatch): Promise<number> {
    let changed = 0;
    this.ctx.storage.transactionSync(() => {
      for (const i of batch.instances ?? []) {
        if (upsertInstance(this.#sql, i)) changed++;
        addReconcileTargets(this.#sql, i);
      }
      for (const d of batch.drifts ?? []) if (upsertDrift(this.#sql, d)) changed++;
      for (const d of batch.deliveries ?? []) if (upsertDelivery(this.#sql, d)) changed++;
    });
    this.#keepPruning();
    return changed;
  }

  async countInbound(counts: InboundCount[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const c of counts) addInbound(this.#sql, c.minute, c.route, c.result, c.calls);
    });
    this.#keepPruning();
  }

  async instances(filter: InstanceFilter): Promise<{ items: IndexedInstance[]; next: Position | null }> {
    return findInstances(this.#sql, filter);
  }

  async deliveries(filter: DeliveryFilter): Promise<{ items: IndexedDelivery[]; next: Position | null }> {
    return findDeliveries(this.#sql, filter);
  }

  async drifts(filter: DriftFilter): Promise<{ items: IndexedDrift[]; next: Position | null }> {
    return findDrifts(this.#sql, filter);
  }

  /** The reconciliation sweep's next slice of instances for a connector (docs/reconciliation.md). */
  async reconcileSlice(connector: string, limit: number): Promise<{ keys: string[]; done: boolean }> {
    return reconcileSlice(this.#sql, connector, limit);
  }

  async advanceReconcile(connector: string, lastKey: string | null, done: boolean): Promise<void> {
    advanceReconcile(this.#sql, connector, lastKey, done);
  }

  async figures(sinceMs: number): Promise<Figures> {
    return figures(this.#sql, sinceMs);
  }

  async connectors(sinceMs: number): Promise<ConnectorFigures[]> {
    return connectorFigures(this.#sql, sinceMs);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    prune(this.#sql, now - FIGURES_RETENTION_MS, now - SETTLED_RETENTION_MS);
    await this.ctx.storage.setAlarm(now + PRUNE_EVERY_MS);
    this.#alarmSet = true;
  }

  /** One pruning alarm a day, set with the first write (a write of its own, once). */
  #keepPruning(): void {
    if (this.#alarmSet) return;
    this.#alarmSet = true;
    void this.ctx.storage.setAlarm(Date.now() + PRUNE_EVERY_MS);
  }
}
