/**
 * @module gate/connector-gate
 * One Durable Object per partner connector (named "vendor", "koodrive", "mor"): the strongly
 * consistent home of whether the gateway may call that partner now.
 *
 * - Paused by an operator (`POST /admin/connectors/{name}/pause`) or by the circuit breaker
 *   (`gate/breaker.ts`, which says when). While paused, the queue consumer parks deliveries in
 *   their instance objects instead of attempting them, so they spend no attempts and keep their
 *   order; each instance registers here once, in `parked`.
 * - On resume (by an operator, or by the breaker when a probe succeeds) the alarm wakes the
 *   parked instances in bounded batches, oldest first; each re-queues its parked delivery, and
 *   its later deliveries follow it in order as before.
 * - Pauses and resumes are announced as operational events, staged in the same transaction.
 *
 * Consumers ask `admit` before an attempt (and may cache a "yes" for a few seconds), report
 * every failed attempt at once (`report`: the answer says whether to park it) and successes once
 * per batch while the gate is tracking failures.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../bindings";
import type { ConnectorName } from "../config";
import { connectorPaused, connectorResumed, type OpsEvent, type PausedBy } from "../ops/events";
import { relayStagedOpsEvents, RELAY_RETRY_MS, stageOpsEvents } from "../ops/relay";
import { bucketOf, nextProbeInterval, NOT_PAUSED_CACHE_MS, PROBE_TIMEOUT_MS, tripReason } from "./breaker";
import {
  addSamples,
  clearSamples,
  counts,
  GATE_SCHEMA,
  oldestParked,
  park,
  parkedCount,
  readState,
  unpark,
  windowCounts,
  writeState,
  type GateState,
} from "./gate-store";
import { instanceObject } from "../instance/stub";

/** Instances woken per alarm run after a resume, and how many at a time. */
const DRAIN_BATCH = 50;
const DRAIN_CONCURRENCY = 6;
/** Parked instances tried per probe, when the first ones turn out to have nothing parked any more. */
const PROBE_CANDIDATES = 3;

export interface Admission {
  admit: boolean;
  /** This delivery is the breaker's probe. */
  probe: boolean;
  /** The gate is counting failures (or paused): report successes too. */
  tracking: boolean;
  /** How long a consumer may reuse a "yes" without asking again; 0 for no. */
  cacheMs: number;
}

export interface GateOutcome {
  deliveryId: string;
  ok: boolean;
  /** False for failures that say nothing about the partner's health (see breaker.ts). */
  counts: boolean;
  /** The partner answered, refusing this one delivery (a permanent failure with an HTTP status): it is up. */
  answered?: boolean;
  reason?: string;
}

export interface ConnectorGateView {
  name: string;
  paused: boolean;
  pause: { by: PausedBy; reason: string; since: string } | null;
  breaker: {
    state: "closed" | "open" | "half-open";
    recentAttempts: number;
    recentFailures: number;
    consecutiveFailures: number;
    nextProbeAt: string | null;
  };
  parkedInstances: number;
  lastSuccessAt: string | null;
  lastFailure: { at: string; reason: string } | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export class ConnectorGate extends DurableObject<Bindings> {
  readonly #sql: SqlStorage;
  #name: ConnectorName | null = null;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(GATE_SCHEMA);
      this.#name = ((await ctx.storage.get<string>("name")) ?? null) as ConnectorName | null;
    });
  }

  async admit(connector: ConnectorName, deliveryId: string): Promise<Admission> {
    await this.#remember(connector);
    const now = Date.now();
    const s = readState(this.#sql);
    const tracking = s.streak > 0 || windowCounts(this.#sql, now).failures > 0;
    if (s.pausedBy === null) return { admit: true, probe: false, tracking, cacheMs: NOT_PAUSED_CACHE_MS };
    if (s.pausedBy === "breaker") {
      if (s.probeDelivery === deliveryId) return { admit: true, probe: true, tracking: true, cacheMs: 0 };
      const probeFree = s.probeDelivery === null || (s.probeStartedMs ?? 0) + PROBE_TIMEOUT_MS <= now;
      if (probeFree && (s.nextProbeMs ?? 0) <= now) {
        // A delivery that arrives when a probe is due is as good a probe as a parked one.
        this.ctx.storage.transactionSync(() => writeState(this.#sql, { ...s, probeDelivery: deliveryId, probeStartedMs: now }));
        return { admit: true, probe: true, tracking: true, cacheMs: 0 };
      }
    }
    return { admit: false, probe: false, tracking: true, cacheMs: 0 };
  }

  /** Outcomes of attempts. Answers whether the connector is paused now (a failed attempt is then parked, not spent). */
  async report(connector: ConnectorName, outcomes: GateOutcome[]): Promise<{ paused: boolean; tracking: boolean }> {
    await this.#remember(connector);
    const now = Date.now();
    const events: OpsEvent[] = [];
    const paused = this.ctx.storage.transactionSync((): { paused: boolean; tracking: boolean } => {
      let s = readState(this.#sql);
      let attempts = 0;
      let failures = 0;
      for (const o of outcomes) {
        if (o.ok) {
          attempts++;
          s = { ...s, streak: 0, streakFirst: null, streakSeveral: false, lastSuccessMs: now };
          if (s.pausedBy === "breaker") s = this.#close(s, now, events);
          continue;
        }
        s = { ...s, lastFailureMs: now, lastFailureReason: (o.reason ?? "failed").slice(0, 300) };
        // A partner that answers, even with a refusal of this delivery, is reachable again.
        if (o.answered && s.pausedBy === "breaker") s = this.#close(s, now, events);
        if (!o.counts) continue;
        attempts++;
        failures++;
        s = {
          ...s,
          streak: s.streak + 1,
          streakFirst: s.streakFirst ?? o.deliveryId,
          streakSeveral: s.streakSeveral || (s.streakFirst !== null && s.streakFirst !== o.deliveryId),
        };
        if (s.pausedBy === "breaker" && s.probeDelivery === o.deliveryId) {
          const interval = nextProbeInterval(s.probeIntervalMs);
          s = { ...s, probeDelivery: null, probeStartedMs: null, probeIntervalMs: interval, nextProbeMs: now + interval };
        }
      }
      if (attempts > 0) addSamples(this.#sql, bucketOf(now), attempts, failures);
      if (s.pausedBy === null && failures > 0) {
        const why = tripReason(counts(this.#sql, s, now), s.lastFailureReason ?? "failed");
        if (why) s = this.#open(s, "breaker", why, now, events);
      }
      writeState(this.#sql, s);
      this.#afterChange(s, events, now);
      return { paused: s.pausedBy !== null, tracking: s.pausedBy !== null || s.streak > 0 || windowCounts(this.#sql, now).failures > 0 };
    });
    if (events.length > 0) await this.#relay();
    return paused;
  }

  /** An instance parked a delivery for this connector. If it is not paused (any more), the instance should send it. */
  async registerParked(connector: ConnectorName, instanceKey: string): Promise<{ paused: boolean }> {
    await this.#remember(connector);
    const s = readState(this.#sql);
    if (s.pausedBy === null) return { paused: false };
    park(this.#sql, instanceKey, Date.now());
    return { paused: true };
  }

  async pause(connector: ConnectorName, reason: string | null): Promise<ConnectorGateView> {
    return this.#operatorChange(connector, (s, now, events) => {
      // Already paused by an operator: nothing changes, nothing is announced again.
      if (s.pausedBy === "operator") return null;
      return s.pausedBy === "breaker"
        ? {
            ...s,
            pausedBy: "operator" as const,
            reason: reason ?? s.reason,
            probeDelivery: null,
            probeStartedMs: null,
            nextProbeMs: null,
            probeIntervalMs: null,
          }
        : this.#open(s, "operator", reason ?? "paused by an operator", now, events);
    });
  }

  async resume(connector: ConnectorName): Promise<ConnectorGateView> {
    return this.#operatorChange(connector, (s, now, events) => (s.pausedBy === null ? null : this.#close(s, now, events, "operator")));
  }

  /** An operator's pause or resume: the change (null when there is none) in one transaction, then its events relayed. */
  async #operatorChange(connector: ConnectorName, change: (s: GateState, now: number, events: OpsEvent[]) => GateState | null): Promise<ConnectorGateView> {
    await this.#remember(connector);
    const now = Date.now();
    const events: OpsEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      const next = change(readState(this.#sql), now, events);
      if (next === null) return;
      writeState(this.#sql, next);
      this.#afterChange(next, events, now);
    });
    if (events.length > 0) await this.#relay();
    return this.view(connector);
  }

  async view(connector: ConnectorName): Promise<ConnectorGateView> {
    await this.#remember(connector);
    const now = Date.now();
    const s = readState(this.#sql);
    const w = windowCounts(this.#sql, now);
    const state = s.pausedBy !== "breaker" ? "closed" : s.probeDelivery !== null && (s.probeStartedMs ?? 0) + PROBE_TIMEOUT_MS > now ? "half-open" : "open";
    return {
      name: connector,
      paused: s.pausedBy !== null,
      pause: s.pausedBy === null ? null : { by: s.pausedBy, reason: s.reason ?? "", since: iso(s.sinceMs) ?? new Date(now).toISOString() },
      breaker: {
        state,
        recentAttempts: w.attempts,
        recentFailures: w.failures,
        consecutiveFailures: s.streak,
        nextProbeAt: s.pausedBy === "breaker" ? iso(s.nextProbeMs) : null,
      },
      parkedInstances: parkedCount(this.#sql),
      lastSuccessAt: iso(s.lastSuccessMs),
      lastFailure: s.lastFailureMs === null ? null : { at: iso(s.lastFailureMs)!, reason: s.lastFailureReason ?? "" },
    };
  }

  /** Relays staged events, drains parked instances after a resume, sends the breaker's probe. */
  override async alarm(): Promise<void> {
    const relayed = await this.#relay();
    const now = Date.now();
    const s = readState(this.#sql);
    let drain: "done" | "more" | "retry" = "done";
    if (s.pausedBy === null) drain = await this.#drain();
    else if (s.pausedBy === "breaker") await this.#probe(s, now);
    const after = Date.now();
    this.#scheduleAlarm(readState(this.#sql), after, { relayPending: !relayed, drainPending: drain === "more" });
    // An instance that could not be reached is tried again a little later, not in a tight loop.
    if (drain === "retry") void this.ctx.storage.setAlarm(Math.min((await this.ctx.storage.getAlarm()) ?? Infinity, after + RELAY_RETRY_MS));
  }

  /** Wakes up to one batch of parked instances: "more" when others are waiting, "retry" when some could not be woken. */
  async #drain(): Promise<"done" | "more" | "retry"> {
    let failed = false;
    const keys = oldestParked(this.#sql, DRAIN_BATCH);
    for (let i = 0; i < keys.length; i += DRAIN_CONCURRENCY) {
      await Promise.all(
        keys.slice(i, i + DRAIN_CONCURRENCY).map(async (key) => {
          try {
            await this.#instance(key).wakeParked(this.#name!);
            unpark(this.#sql, key);
          } catch (err) {
            // Left in place: the next run tries again.
            failed = true;
            console.error({
              msg: "waking a parked instance failed",
              connector: this.#name,
              instance: key,
              error: err instanceof Error ? err.message : String(err),
            });
          }
        }),
      );
    }
    if (failed) return "retry";
    return parkedCount(this.#sql) > 0 ? "more" : "done";
  }

  async #probe(s: GateState, now: number): Promise<void> {
    const inFlight = s.probeDelivery !== null && (s.probeStartedMs ?? 0) + PROBE_TIMEOUT_MS > now;
    if (inFlight || (s.nextProbeMs ?? 0) > now) return;
    for (const key of oldestParked(this.#sql, PROBE_CANDIDATES)) {
      let deliveryId: string | null;
      try {
        deliveryId = (await this.#instance(key).wakeParked(this.#name!)) as string | null;
      } catch (err) {
        console.error({ msg: "waking a probe failed", connector: this.#name, instance: key, error: err instanceof Error ? err.message : String(err) });
        break;
      }
      // Woken (it is the probe now) or found with nothing parked: either way no longer parked here.
      unpark(this.#sql, key);
      if (deliveryId) {
        const current = readState(this.#sql);
        if (current.pausedBy === "breaker") writeState(this.#sql, { ...current, probeDelivery: deliveryId, probeStartedMs: Date.now() });
        console.log({ msg: "circuit breaker probe", connector: this.#name, instance: key, deliveryId });
        return;
      }
    }
    // Nothing parked to probe with: wait for the next interval, or for a delivery to arrive (admit makes it the probe).
    const current = readState(this.#sql);
    if (current.pausedBy === "breaker") {
      const interval = nextProbeInterval(current.probeIntervalMs);
      writeState(this.#sql, { ...current, probeDelivery: null, probeStartedMs: null, probeIntervalMs: interval, nextProbeMs: Date.now() + interval });
    }
  }

  #open(s: GateState, by: PausedBy, reason: string, now: number, events: OpsEvent[]): GateState {
    const interval = by === "breaker" ? nextProbeInterval(null) : null;
    const next: GateState = {
      ...s,
      pausedBy: by,
      reason,
      sinceMs: now,
      probeDelivery: null,
      probeStartedMs: null,
      probeIntervalMs: interval,
      nextProbeMs: interval === null ? null : now + interval,
    };
    events.push(connectorPaused({ connector: this.#name!, by, reason, since: new Date(now).toISOString() }));
    console.log({ msg: "connector paused", connector: this.#name, by, reason });
    return next;
  }

  #close(s: GateState, now: number, events: OpsEvent[], by: PausedBy = "breaker"): GateState {
    events.push(connectorResumed({ connector: this.#name!, by, pausedSince: new Date(s.sinceMs ?? now).toISOString() }, new Date(now).toISOString()));
    console.log({ msg: "connector resumed", connector: this.#name, by });
    // Old failures must not trip it again at once: the partner gets a fresh window.
    clearSamples(this.#sql);
    return {
      ...s,
      pausedBy: null,
      reason: null,
      sinceMs: null,
      probeDelivery: null,
      probeStartedMs: null,
      nextProbeMs: null,
      probeIntervalMs: null,
      streak: 0,
      streakFirst: null,
      streakSeveral: false,
    };
  }

  /** Inside the transaction: stage the announcements and set the alarm the new state needs. */
  #afterChange(s: GateState, events: OpsEvent[], now: number): void {
    const staged = stageOpsEvents(this.#sql, this.env, events, now);
    this.#scheduleAlarm(s, now, { relayPending: staged, drainPending: s.pausedBy === null && parkedCount(this.#sql) > 0 });
  }

  #scheduleAlarm(s: GateState, now: number, pending: { relayPending: boolean; drainPending: boolean }): void {
    const due: number[] = [];
    if (pending.drainPending) due.push(now);
    if (pending.relayPending) due.push(now + RELAY_RETRY_MS);
    if (s.pausedBy === "breaker") {
      const probeDeadline = s.probeDelivery !== null ? (s.probeStartedMs ?? now) + PROBE_TIMEOUT_MS : (s.nextProbeMs ?? now);
      due.push(probeDeadline);
    }
    if (due.length > 0) void this.ctx.storage.setAlarm(Math.min(...due));
  }

  async #relay(): Promise<boolean> {
    const done = await relayStagedOpsEvents(this.#sql, this.env);
    if (!done) void this.ctx.storage.setAlarm(Date.now() + RELAY_RETRY_MS);
    return done;
  }

  #instance(key: string) {
    return instanceObject(this.env, key);
  }

  /** The object's own name, kept for alarms (an alarm is not told which name it runs under). */
  async #remember(connector: ConnectorName): Promise<void> {
    if (this.#name === connector) return;
    this.#name = connector;
    await this.ctx.storage.put("name", connector);
  }
}
