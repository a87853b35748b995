/**
 * The outbox ordering rules (one delivery in flight per connector, the rest wait in event order),
 * as pure functions and through the SQL wrappers the instance object calls, on real Durable
 * Object storage. Each table row is checked both ways, so the wrappers cannot drift from the rules.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import * as outbox from "../../src/instance/outbox";
import type { OutboxEntry } from "../../src/instance/outbox";
import { SCHEMA } from "../../src/instance/schema";

type Status = "pending" | "waiting" | "delivered" | "skipped" | "dead";

const e = (deliveryId: string, eventSeq: number, connector: string, status: Status, leaseUntil: number | null = null): OutboxEntry => ({
  deliveryId,
  eventSeq,
  connector,
  status,
  leaseUntil,
});

const AT = "2026-03-10T12:00:00.000Z";
const LEASE = 9_000_000;

/** Runs `fn` over a fresh instance object's storage holding exactly `entries`. */
async function withOutbox<T>(entries: OutboxEntry[], fn: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.INSTANCES.get(env.INSTANCES.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    sql.exec(SCHEMA);
    for (const d of entries) {
      sql.exec(
        "INSERT INTO deliveries (delivery_id, event_seq, connector, status, lease_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        d.deliveryId,
        d.eventSeq,
        d.connector,
        d.status,
        d.leaseUntil,
        "2026-01-01T00:00:00.000Z",
        "2026-01-01T00:00:00.000Z",
      );
    }
    return fn(sql);
  });
}

const rowsOf = (sql: SqlStorage) => sql.exec("SELECT delivery_id, status, lease_until, updated_at FROM deliveries ORDER BY delivery_id").toArray();

describe("status classes", () => {
  const rows: Array<[Status, boolean, boolean]> = [
    ["pending", true, false],
    ["waiting", true, false],
    ["delivered", false, true],
    ["skipped", false, true],
    ["dead", false, true],
  ];
  it.each(rows)("%s: open %s, settled %s", (status, open, settled) => {
    expect(outbox.isOpen(status)).toBe(open);
    expect(outbox.isSettled(status)).toBe(settled);
  });

  it("an unknown status is neither (control)", () => {
    expect(outbox.isOpen("retrying")).toBe(false);
    expect(outbox.isSettled("retrying")).toBe(false);
  });
});

describe("next in line for connector mor", () => {
  const rows: Array<[string, OutboxEntry[], string | null]> = [
    ["the only waiting delivery (control)", [e("dlv_a", 1, "mor", "waiting")], "dlv_a"],
    ["nothing in the outbox", [], null],
    ["none while one is in flight", [e("dlv_a", 1, "mor", "pending", 5), e("dlv_b", 2, "mor", "waiting")], null],
    ["none when the in-flight one is the later event", [e("dlv_a", 1, "mor", "waiting"), e("dlv_b", 2, "mor", "pending", 5)], null],
    [
      "the earliest event, whatever the row order",
      [e("dlv_a", 5, "mor", "waiting"), e("dlv_b", 3, "mor", "waiting"), e("dlv_c", 4, "mor", "waiting")],
      "dlv_b",
    ],
    ["event numbers compare as numbers (9 before 10)", [e("dlv_a", 10, "mor", "waiting"), e("dlv_b", 9, "mor", "waiting")], "dlv_b"],
    ["same event: the lower id", [e("dlv_b", 3, "mor", "waiting"), e("dlv_a", 3, "mor", "waiting")], "dlv_a"],
    ["another connector's waiting delivery is not mor's", [e("dlv_a", 1, "koodrive", "waiting")], null],
    ["another connector's delivery in flight does not hold mor back", [e("dlv_a", 1, "vendor", "pending", 5), e("dlv_b", 1, "mor", "waiting")], "dlv_b"],
    [
      "settled deliveries of earlier events do not count",
      [e("dlv_a", 1, "mor", "delivered"), e("dlv_b", 2, "mor", "dead"), e("dlv_c", 3, "mor", "skipped"), e("dlv_d", 4, "mor", "waiting")],
      "dlv_d",
    ],
    ["only settled deliveries", [e("dlv_a", 1, "mor", "delivered"), e("dlv_b", 2, "mor", "dead")], null],
  ];

  it.each(rows)("pure: %s", (_label, entries, expected) => {
    expect(outbox.nextInLine(entries, "mor")).toBe(expected);
  });

  it.each(rows)("promoteNext: %s", async (_label, entries, expected) => {
    const { promoted, before, after } = await withOutbox(entries, (sql) => {
      const before = rowsOf(sql);
      const promoted = outbox.promoteNext(sql, "mor", LEASE, AT);
      return { promoted, before, after: rowsOf(sql) };
    });
    expect(promoted).toBe(expected);
    // Exactly the promoted row changes: in flight, with the new lease and timestamp.
    const changed = before.map((r) => (r.delivery_id === expected ? { ...r, status: "pending", lease_until: LEASE, updated_at: AT } : r));
    expect(after).toEqual(changed);
  });
});

describe("open delivery for connector mor (a new delivery waits behind it)", () => {
  const rows: Array<[string, OutboxEntry[], boolean]> = [
    ["none (control)", [], false],
    ["one in flight", [e("dlv_a", 1, "mor", "pending", 5)], true],
    ["one in line", [e("dlv_a", 1, "mor", "waiting")], true],
    [
      "delivered, skipped and dead ones do not count",
      [e("dlv_a", 1, "mor", "delivered"), e("dlv_b", 2, "mor", "skipped"), e("dlv_c", 3, "mor", "dead")],
      false,
    ],
    ["another connector's do not count", [e("dlv_a", 1, "vendor", "pending", 5), e("dlv_b", 1, "koodrive", "waiting")], false],
  ];

  it.each(rows)("pure: %s", (_label, entries, expected) => {
    expect(outbox.hasOpen(entries, "mor")).toBe(expected);
  });

  it.each(rows)("hasOpenDelivery: %s", async (_label, entries, expected) => {
    expect(await withOutbox(entries, (sql) => outbox.hasOpenDelivery(sql, "mor"))).toBe(expected);
  });
});

describe("stalled connectors (waiting, none in flight)", () => {
  const rows: Array<[string, OutboxEntry[], string[]]> = [
    ["an empty outbox (control)", [], []],
    ["one waiting, none in flight", [e("dlv_a", 2, "mor", "waiting")], ["mor"]],
    ["waiting behind one in flight is not stalled", [e("dlv_a", 1, "mor", "pending", 5), e("dlv_b", 2, "mor", "waiting")], []],
    ["each connector once", [e("dlv_a", 2, "mor", "waiting"), e("dlv_b", 3, "mor", "waiting")], ["mor"]],
    ["another connector in flight does not count", [e("dlv_a", 1, "vendor", "pending", 5), e("dlv_b", 1, "mor", "waiting")], ["mor"]],
    ["settled ones do not count as in flight", [e("dlv_a", 1, "mor", "delivered"), e("dlv_b", 2, "mor", "dead"), e("dlv_c", 3, "mor", "waiting")], ["mor"]],
    [
      "several connectors",
      [e("dlv_a", 2, "mor", "waiting"), e("dlv_b", 2, "koodrive", "waiting"), e("dlv_c", 2, "vendor", "waiting"), e("dlv_d", 1, "vendor", "pending", 5)],
      ["koodrive", "mor"],
    ],
    ["only in flight", [e("dlv_a", 1, "mor", "pending", 5)], []],
  ];

  // The order of connectors does not matter to the alarm: it promotes each.
  it.each(rows)("pure: %s", (_label, entries, expected) => {
    expect(outbox.stalled(entries).sort()).toEqual(expected);
  });

  it.each(rows)("stalledConnectors: %s", async (_label, entries, expected) => {
    expect((await withOutbox(entries, (sql) => outbox.stalledConnectors(sql))).sort()).toEqual(expected);
  });
});

describe("overdue leases at now = 1000", () => {
  const NOW = 1000;
  const rows: Array<[string, OutboxEntry[], string[]]> = [
    ["a lease still running (control)", [e("dlv_a", 1, "mor", "pending", 1001)], []],
    ["a lease that ran out", [e("dlv_a", 1, "mor", "pending", 999)], ["dlv_a"]],
    ["a lease that ends exactly now", [e("dlv_a", 1, "mor", "pending", 1000)], ["dlv_a"]],
    ["a waiting delivery is never overdue", [e("dlv_a", 1, "mor", "waiting", 0)], []],
    ["settled deliveries are never overdue", [e("dlv_a", 1, "mor", "dead", 0), e("dlv_b", 2, "mor", "delivered", 0), e("dlv_c", 3, "mor", "skipped", 0)], []],
    ["in flight without a lease is not overdue", [e("dlv_a", 1, "mor", "pending", null)], []],
    [
      "every connector's",
      [e("dlv_a", 1, "mor", "pending", 10), e("dlv_b", 1, "vendor", "pending", 2000), e("dlv_c", 1, "koodrive", "pending", 1000)],
      ["dlv_a", "dlv_c"],
    ],
  ];

  it.each(rows)("pure: %s", (_label, entries, expected) => {
    expect(outbox.overdue(entries, NOW).sort()).toEqual(expected);
  });

  it.each(rows)("overdueDeliveries: %s", async (_label, entries, expected) => {
    expect((await withOutbox(entries, (sql) => outbox.overdueDeliveries(sql, NOW))).sort()).toEqual(expected);
  });
});

describe("earliest lease (when the alarm must run)", () => {
  const rows: Array<[string, OutboxEntry[], number | null]> = [
    ["one in flight (control)", [e("dlv_a", 1, "mor", "pending", 3000)], 3000],
    ["nothing in flight", [], null],
    [
      "the smallest of several",
      [e("dlv_a", 1, "mor", "pending", 3000), e("dlv_b", 1, "vendor", "pending", 2000), e("dlv_c", 1, "koodrive", "pending", 2500)],
      2000,
    ],
    [
      "waiting and settled leases are ignored",
      [e("dlv_a", 1, "mor", "waiting", 1), e("dlv_b", 1, "vendor", "dead", 2), e("dlv_c", 2, "vendor", "pending", 4000)],
      4000,
    ],
    ["in flight without a lease is ignored", [e("dlv_a", 1, "mor", "pending", null), e("dlv_b", 1, "vendor", "pending", 5000)], 5000],
    ["only in flight without a lease", [e("dlv_a", 1, "mor", "pending", null)], null],
  ];

  it.each(rows)("pure: %s", (_label, entries, expected) => {
    expect(outbox.earliestLeaseOf(entries)).toBe(expected);
  });

  it.each(rows)("earliestLease: %s", async (_label, entries, expected) => {
    expect(await withOutbox(entries, (sql) => outbox.earliestLease(sql))).toBe(expected);
  });
});
