/**
 * The pure rules that keep the outbox bounded: message size and batching, the send-retry backoff,
 * the caps on what a vendor reply may store, and the schema upgrade of older objects.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batchesOf, MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, messageBytes } from "../../src/delivery/message-size";
import { DELIVERY_LEASE_MS, MAX_UNREPORTED_SENDS, sendRetryDelayMs } from "../../src/instance/outbox";
import { boundReply, MAX_REFS, mergeRefsBounded } from "../../src/instance/refs-limits";
import { migrateSchema } from "../../src/instance/schema";

describe("messageBytes", () => {
  it("is the UTF-8 length of the JSON", () => {
    expect(messageBytes({ a: "é" })).toBe('{"a":"é"}'.length + 1);
    expect(messageBytes({ n: 1e9 })).toBe('{"n":1000000000}'.length);
  });
});

describe("batchesOf", () => {
  it("cuts by count and by bytes, keeping order", () => {
    const small = Array.from({ length: 250 }, (_, i) => ({ id: i, bytes: 10 }));
    expect(batchesOf(small).map((b) => b.length)).toEqual([MAX_BATCH_MESSAGES, MAX_BATCH_MESSAGES, 50]);
    const big = Array.from({ length: 5 }, (_, i) => ({ id: i, bytes: 100_000 }));
    const batches = batchesOf(big);
    expect(batches.map((b) => b.map((x) => x.id))).toEqual([[0, 1], [2, 3], [4]]);
    for (const b of batches) expect(b.reduce((n, x) => n + x.bytes, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(batchesOf([])).toEqual([]);
  });
});

describe("sendRetryDelayMs", () => {
  it("starts at 5 s, doubles, and never exceeds a lease", () => {
    expect([1, 2, 3, 4].map(sendRetryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(sendRetryDelayMs(0)).toBe(5_000);
    expect(sendRetryDelayMs(30)).toBe(DELIVERY_LEASE_MS);
    const total = Array.from({ length: MAX_UNREPORTED_SENDS - 1 }, (_, i) => sendRetryDelayMs(i + 1)).reduce((a, b) => a + b, 0);
    // Long enough to ride out a short Queues incident, short enough not to hold later deliveries for hours.
    expect(total).toBeGreaterThan(30 * 60_000);
    expect(total).toBeLessThan(2 * 3600_000);
  });
});

describe("boundReply", () => {
  it("keeps what fits and names what does not", () => {
    const out = boundReply({
      refs: { "mor.subscriptionId": "77", "bad name": "x", "long.ref": "x".repeat(257), "empty.ref": "" },
      appInfo: { frontEndUrl: "https://app.example/", adminUrl: "javascript:alert(1)", userName: "u".repeat(257), password: "p", memo: "m".repeat(1024) },
    });
    expect(out.refs).toEqual({ "mor.subscriptionId": "77" });
    expect(out.appInfo).toEqual({ frontEndUrl: "https://app.example/", password: "p", memo: "m".repeat(1024) });
    expect(out.ignored).toEqual([
      'refs["bad name"] (not a ref name)',
      "refs.long.ref (value must be 1 to 256 characters)",
      "refs.empty.ref (value must be 1 to 256 characters)",
      "appInfo.adminUrl (not an http(s) URL)",
      "appInfo.userName (over 128 characters)",
    ]);
  });

  it("takes at most MAX_REFS refs from one reply", () => {
    const refs = Object.fromEntries(Array.from({ length: MAX_REFS + 3 }, (_, i) => [`r${i}`, "v"]));
    const out = boundReply({ refs });
    expect(Object.keys(out.refs!)).toHaveLength(MAX_REFS);
    expect(out.ignored).toHaveLength(3);
  });

  it("leaves out what the reply did not have", () => {
    expect(boundReply({})).toEqual({ ignored: [] });
  });
});

describe("mergeRefsBounded", () => {
  it("updates existing refs always, adds new ones only below the cap", () => {
    const full = Object.fromEntries(Array.from({ length: MAX_REFS }, (_, i) => [`r${i}`, "v"]));
    const out = mergeRefsBounded(full, { r0: "new", extra: "x" });
    expect(out.refs.r0).toBe("new");
    expect(out.refs).not.toHaveProperty("extra");
    expect(out.ignored).toEqual([`refs.extra (the instance already has ${MAX_REFS} refs)`]);
    expect(mergeRefsBounded({ a: "1" }, { b: "2" })).toEqual({ refs: { a: "1", b: "2" }, ignored: [] });
  });
});

describe("migrateSchema", () => {
  it("adds the send counter to a deliveries table of the previous version, once", async () => {
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(`migration-test:${crypto.randomUUID()}`));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`CREATE TABLE deliveries (delivery_id TEXT PRIMARY KEY, event_seq INTEGER NOT NULL, connector TEXT NOT NULL, status TEXT NOT NULL,
        reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, attempt_log TEXT NOT NULL DEFAULT '[]', lease_until INTEGER,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID`);
      sql.exec("INSERT INTO deliveries (delivery_id, event_seq, connector, status, created_at, updated_at) VALUES ('d1', 1, 'vendor', 'pending', 'x', 'x')");
      migrateSchema(sql);
      migrateSchema(sql);
      expect(sql.exec<{ n: number }>("SELECT unreported_sends AS n FROM deliveries WHERE delivery_id = 'd1'").one().n).toBe(0);
    });
  });
});
