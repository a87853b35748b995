/**
 * Properties of the lifecycle rules (src/lifecycle/state-machine.ts) under the deliveries
 * marketplaces really make: retries (duplicates) and reorderings of a valid call sequence.
 *
 * `deliver` below is the instance object's transaction without storage: ledger look-up with
 * `isStillTheSameEvent`, then `decide`, then state, ledger and event written together. The
 * expectations are stated from the documented rules (transition table, key scopes), not from
 * the code: order-scoped keys are one event forever, state-scoped keys only while the state they
 * produced holds (or after release), released is terminal.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide, isStillTheSameEvent } from "../../src/lifecycle/state-machine";
import type { InstanceEventType, InstanceRecord, InstanceState, LifecycleAction, LifecycleCommand } from "../../src/lifecycle/types";

const NOW = new Date("2030-06-01T00:00:00.000Z");
const INSTANCE_ID = "i-1";

/** The documented transitions of an applied call: action → allowed from-states and its to-state. */
const TARGET: Partial<Record<LifecycleAction, { from: InstanceState[]; to: InstanceState }>> = {
  suspend: { from: ["active"], to: "suspended" },
  resume: { from: ["suspended", "expired"], to: "active" },
  expire: { from: ["active", "suspended"], to: "expired" },
  release: { from: ["active", "suspended", "expired"], to: "released" },
};
const EVENT_OF: Record<LifecycleAction, InstanceEventType> = {
  provision: "instance.provisioned",
  renew: "instance.renewed",
  update: "instance.updated",
  suspend: "instance.suspended",
  resume: "instance.resumed",
  expire: "instance.expired",
  release: "instance.released",
};
const STATE_SCOPED: readonly LifecycleAction[] = ["suspend", "resume", "expire", "release"];

/** What a marketplace may validly send next, by state (renew and update are valid in every live state). */
const NEXT: Record<InstanceState, LifecycleAction[]> = {
  active: ["suspend", "expire", "renew", "update", "release"],
  suspended: ["resume", "expire", "renew", "update", "release"],
  expired: ["resume", "renew", "update", "release"],
  released: [],
};

function stateAfter(action: LifecycleAction, state: InstanceState | null): InstanceState {
  if (action === "provision") return state ?? "active";
  const target = TARGET[action];
  if (target) return target.to;
  // A renewal brings a frozen instance back; an update keeps the state.
  return action === "renew" && state === "expired" ? "active" : state!;
}

/** One logical call: `id` tells a retry (same id) from a second call that shares a state-scoped key. */
interface Call {
  id: number;
  cmd: LifecycleCommand;
}

function command(id: number, action: LifecycleAction): LifecycleCommand {
  const order = STATE_SCOPED.includes(action) ? null : `o-${id}`;
  const base: LifecycleCommand = {
    instanceKey: `koogallery:${INSTANCE_ID}`,
    source: "koogallery",
    externalId: INSTANCE_ID,
    action,
    // docs/koogallery.md §3.4 key shapes: orders by order id, status changes by instance + action.
    eventKey: order ? `koogallery:${action}:${order}` : `koogallery:${INSTANCE_ID}:${action}`,
    keyScope: order ? "order" : "state",
    test: false,
    origin: { system: "koogallery", activity: action, raw: {} },
    answer: { instanceId: INSTANCE_ID },
  };
  if (action === "provision") return { ...base, expiresAt: "2030-07-01T00:00:00.000Z", plan: { sku: "basic" } };
  if (action === "renew") {
    // Both renewal forms: KooGallery's absolute expiry and ActivePlatform's extension.
    return id % 2 === 0
      ? { ...base, expiresAt: `2031-01-${String((id % 28) + 1).padStart(2, "0")}T00:00:00.000Z`, plan: { renewal: order } }
      : { ...base, extendBy: { value: 1, unit: "Month" }, plan: { renewal: order } };
  }
  if (action === "update") return { ...base, plan: { sku: `plan-${id}` } };
  return base;
}

/** A valid in-order sequence: provision, then a walk through the states (choices pick the next action). */
function validSequence(choices: number[]): { calls: Call[]; states: InstanceState[] } {
  const calls: Call[] = [{ id: 0, cmd: command(0, "provision") }];
  const states: InstanceState[] = ["active"];
  let state: InstanceState = "active";
  for (const choice of choices) {
    const options = NEXT[state];
    if (options.length === 0) break;
    const action = options[choice % options.length]!;
    calls.push({ id: calls.length, cmd: command(calls.length, action) });
    state = stateAfter(action, state);
    states.push(state);
  }
  return { calls, states };
}

interface Emitted {
  id: number;
  key: string;
  type: InstanceEventType;
  from: InstanceState | null;
  to: InstanceState;
}

type Outcome = { kind: "applied"; event: Emitted } | { kind: "duplicate"; via: "ledger" | "noop" } | { kind: "rejected"; reason: string };

interface World {
  instance: InstanceRecord | null;
  /** Latest event per key, as the events table answers `latestEvent`. */
  ledger: Map<string, { toState: InstanceState }>;
  events: Emitted[];
}

const emptyWorld = (): World => ({ instance: null, ledger: new Map(), events: [] });

/** The instance object's apply, minus storage and deliveries (src/instance/instance-object.ts). */
function deliver(world: World, call: Call): Outcome {
  const { cmd } = call;
  const previous = world.ledger.get(cmd.eventKey);
  if (previous && world.instance && isStillTheSameEvent(previous, cmd, world.instance)) return { kind: "duplicate", via: "ledger" };
  const decision = decide(world.instance, cmd, NOW);
  if (decision.kind === "reject") return { kind: "rejected", reason: decision.reason };
  if (decision.kind === "noop") return { kind: "duplicate", via: "noop" };
  const stamp = NOW.toISOString();
  world.instance = {
    key: cmd.instanceKey,
    source: cmd.source,
    externalId: cmd.externalId,
    state: decision.to,
    plan: decision.plan,
    expiresAt: decision.expiresAt,
    refs: {},
    appInfo: {},
    test: cmd.test,
    version: (world.instance?.version ?? 0) + 1,
    createdAt: world.instance?.createdAt ?? stamp,
    updatedAt: stamp,
    marketTime: null,
    owner: null,
  };
  const event: Emitted = { id: call.id, key: cmd.eventKey, type: decision.eventType, from: decision.from, to: decision.to };
  world.ledger.set(cmd.eventKey, { toState: decision.to });
  world.events.push(event);
  return { kind: "applied", event };
}

function run(calls: Call[]): { world: World; outcomes: Outcome[] } {
  const world = emptyWorld();
  const outcomes = calls.map((call) => deliver(world, call));
  return { world, outcomes };
}

const finalOf = (world: World) => ({ state: world.instance?.state ?? null, plan: world.instance?.plan, expiresAt: world.instance?.expiresAt });
const eventBag = (events: Emitted[]) => events.map((e) => `${e.key} ${e.type}`).sort();

const choicesArb = fc.array(fc.nat({ max: 99 }), { minLength: 0, maxLength: 14 });
const copiesArb = fc.array(fc.record({ of: fc.nat(), at: fc.nat() }), { maxLength: 16 });

describe("lifecycle state machine properties", () => {
  it("the valid sequences generated here all apply in order (control)", () => {
    fc.assert(
      fc.property(choicesArb, (choices) => {
        const { calls, states } = validSequence(choices);
        const { world, outcomes } = run(calls);
        expect(outcomes.every((o) => o.kind === "applied")).toBe(true);
        expect(world.instance?.state).toBe(states.at(-1));
      }),
    );
  });

  it("retries never emit an event and leave the same instance and events as the deduplicated sequence", () => {
    fc.assert(
      fc.property(choicesArb, copiesArb, (choices, copies) => {
        const { calls, states } = validSequence(choices);
        // A retry of call i arrives after p originals (p > i). Order-scoped keys are duplicates
        // anywhere; a state-scoped one only while the state it produced holds, or once released
        // (types.ts EventKeyScope). Later state-scoped arrivals are the next property's subject.
        const after = new Map<number, Call[]>();
        for (const { of, at } of copies) {
          const i = of % calls.length;
          const call = calls[i]!;
          const allowed: number[] = [];
          for (let p = i + 1; p <= calls.length; p++) {
            const state = states[p - 1]!;
            if (call.cmd.keyScope === "order" || state === states[i] || state === "released") allowed.push(p);
          }
          const p = allowed[at % allowed.length]!;
          after.set(p, [...(after.get(p) ?? []), call]);
        }
        const delivered: { call: Call; retry: boolean }[] = [];
        calls.forEach((call, index) => {
          delivered.push({ call, retry: false });
          for (const copy of after.get(index + 1) ?? []) delivered.push({ call: copy, retry: true });
        });

        const inOrder = run(calls);
        const world = emptyWorld();
        for (const { call, retry } of delivered) {
          const before = world.events.length;
          const outcome = deliver(world, call);
          if (retry) {
            expect(outcome.kind).toBe("duplicate");
            expect(world.events.length).toBe(before);
          } else {
            expect(outcome.kind).toBe("applied");
          }
        }
        expect(world.events).toEqual(inOrder.world.events);
        expect(finalOf(world)).toEqual(finalOf(inOrder.world));
      }),
    );
  });

  it("a state-scoped retry after its state was left is a new status change, not a duplicate (documented key scope)", () => {
    // e.g. freeze, unfreeze, then a late retry of the freeze: the key alone cannot tell it from a
    // second freeze, so the rules apply it. Telling the two apart needs the call's time, which the
    // pure rules do not have (the instance object's concern).
    fc.assert(
      fc.property(choicesArb, fc.nat(), fc.nat(), (choices, pickCall, pickPoint) => {
        const { calls, states } = validSequence(choices);
        const candidates: [number, number][] = [];
        calls.forEach((call, i) => {
          if (call.cmd.keyScope !== "state") return;
          for (let p = i + 2; p <= calls.length; p++) {
            if (states[p - 1] !== states[i] && states[p - 1] !== "released") candidates.push([i, p]);
          }
        });
        fc.pre(candidates.length > 0);
        const [i, p] = candidates[(pickCall + pickPoint) % candidates.length]!;
        const world = emptyWorld();
        for (const call of calls.slice(0, p)) deliver(world, call);
        const late = calls[i]!;
        const expected = decide(world.instance, late.cmd, NOW);
        const outcome = deliver(world, late);
        if (expected.kind === "apply") expect(outcome).toMatchObject({ kind: "applied", event: { type: EVENT_OF[late.cmd.action], to: expected.to } });
        else if (expected.kind === "reject") expect(outcome).toEqual({ kind: "rejected", reason: expected.reason });
        else expect(outcome).toEqual({ kind: "duplicate", via: "noop" });
      }),
    );
  });

  it("any reordering with retries: only documented refusals, a coherent event history, and the in-order result unless a call was refused or a state change overtook another", () => {
    const deliveryArb = choicesArb.chain((choices) => {
      const { calls } = validSequence(choices);
      const retries = fc.array(fc.record({ id: fc.nat({ max: calls.length - 1 }), at: fc.nat() }), { maxLength: 12 });
      // Any order at all, or the realistic kind: retries after their original, a few neighbours swapped.
      const shuffled = retries.chain((extra) => {
        const ids = [...calls.map((c) => c.id), ...extra.map((r) => r.id)];
        return fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length });
      });
      const nearlyInOrder = fc.tuple(retries, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([extra, swaps]) => {
        const ids = calls.map((c) => c.id);
        for (const { id, at } of extra) {
          const from = ids.indexOf(id) + 1;
          ids.splice(from + (at % (ids.length - from + 1)), 0, id);
        }
        for (const swap of swaps) {
          const i = swap % Math.max(1, ids.length - 1);
          if (i + 1 < ids.length) [ids[i], ids[i + 1]] = [ids[i + 1]!, ids[i]!];
        }
        return ids;
      });
      return fc.tuple(fc.constant(choices), fc.oneof(shuffled, nearlyInOrder));
    });
    fc.assert(
      fc.property(deliveryArb, ([choices, order]) => {
        const { calls, states } = validSequence(choices);
        const delivered = order.map((id) => calls[id]!);
        const world = emptyWorld();
        let refused = false;
        for (const call of delivered) {
          const { cmd } = call;
          const instance = world.instance;
          const seen = world.ledger.get(cmd.eventKey);
          const before = world.events.length;
          const outcome = deliver(world, call);
          if (outcome.kind !== "applied") expect(world.events.length).toBe(before);
          switch (outcome.kind) {
            case "duplicate":
              if (outcome.via === "ledger") {
                // A known key is answered from the ledger: order keys always, state keys while their state holds.
                expect(seen).toBeDefined();
                expect(cmd.keyScope === "order" || instance!.state === seen!.toState || instance!.state === "released").toBe(true);
              } else {
                // "Already there" succeeds without an event: a second provision, or the target state already held.
                refused = true;
                expect(cmd.action === "provision" ? instance !== null : TARGET[cmd.action]?.to === instance?.state).toBe(true);
              }
              break;
            case "rejected":
              refused = true;
              if (outcome.reason === "unknown_instance") expect(instance).toBeNull();
              else if (outcome.reason === "released") expect(instance?.state).toBe("released");
              else if (outcome.reason === "illegal_transition") {
                expect(instance).not.toBeNull();
                expect(TARGET[cmd.action]!.from).not.toContain(instance!.state);
              } else expect.unreachable(`undocumented rejection ${outcome.reason}`);
              break;
            case "applied":
              // An order key is one event forever.
              if (cmd.keyScope === "order") expect(seen).toBeUndefined();
              expect(outcome.event.type).toBe(EVENT_OF[cmd.action]);
              break;
          }
        }

        // The history downstream sees is a path through the documented states; released ends it.
        world.events.forEach((event, n) => {
          const prior = n === 0 ? null : world.events[n - 1]!;
          expect(event.from).toBe(prior ? prior.to : null);
          expect(prior?.to).not.toBe("released");
          expect(event.to).toBe(stateAfter(calls[event.id]!.cmd.action, event.from));
          if (TARGET[calls[event.id]!.cmd.action]) expect(TARGET[calls[event.id]!.cmd.action]!.from).toContain(event.from);
        });

        // Without refusals, and with every state change applied once and in the original order,
        // the result is the in-order one. Otherwise the difference comes from a refusal asserted
        // above, or from a state change that overtook another (a stale call: see the previous test).
        const inOrder = run(calls);
        const changes = (events: Emitted[]) => events.filter((e) => e.from !== e.to).map((e) => e.id);
        if (!refused && changes(world.events).join() === changes(inOrder.world.events).join()) {
          expect(world.instance?.state).toBe(states.at(-1));
          expect(eventBag(world.events)).toEqual(eventBag(inOrder.world.events));
        }
      }),
      { numRuns: 300 },
    );
  });
});
