/**
 * One installation cannot act on another's subscriptions or users. Every call after create must
 * come from the ap_guid that created the subscription (or the user); any other installation gets
 * the same 404 as for an id that does not exist, and nothing changes. ap_guid compares trimmed
 * and case-insensitively everywhere.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrateSchema } from "../../../src/instance/schema";
import { readInstance } from "../../../src/instance/store";
import { mayAct, normalizeOwner } from "../../../src/lifecycle/owner";
import { call, createBody, createSubscription, details, expectedExternalId, expectTaskError, plan, seedRenewBody, unique } from "../../support/activeplatform";

const OWNER = "6f1c2e0a-1111-4a4a-9b9b-000000000001";
const INTRUDER = "6f1c2e0a-2222-4a4a-9b9b-000000000002";

/** Every post-create subscription call, as an installation would send it. */
function subscriptionCalls(externalId: string): Array<[string, Record<string, unknown>]> {
  return [
    ["subscription/stop", { external_id: externalId }],
    ["subscription/activate", { external_id: externalId }],
    ["subscription/renew", seedRenewBody(externalId)],
    ["subscription/change", { external_id: externalId, plan: plan({ value: 1, type: "Month" }, [{ key: "users", quantity: 99 }]) }],
    ["subscription/resource_validation", { external_id: externalId, plan: { resources: [{ key: "users", quantity: 1 }] } }],
    ["subscription/delete", { external_id: externalId }],
  ];
}

describe("subscriptions belong to the installation that created them", () => {
  it("another installation gets 404 as for an unknown external_id on every route, and nothing changes", async () => {
    const { key, externalId } = await createSubscription({ apGuid: OWNER });
    for (const [path, body] of subscriptionCalls(externalId)) {
      const answer = await call(path, body, { apGuid: INTRUDER });
      expectTaskError(answer, 404, `unknown external_id ${externalId}`);
      const unknown = await call(path, { ...body, external_id: "no-such-subscription" }, { apGuid: INTRUDER });
      expect(answer.text.replace(externalId, "X")).toBe(unknown.text.replace("no-such-subscription", "X"));
    }
    const d = await details(key);
    expect(d?.instance.owner).toBe(OWNER);
    expect(d?.instance.state).toBe("active");
    expect(d?.instance.version).toBe(1);
    expect(d?.events.map((e) => e.type)).toEqual(["instance.provisioned"]);
  });

  it("a call without ap_guid is not the owner either", async () => {
    const { key, externalId } = await createSubscription({ apGuid: OWNER });
    expectTaskError(await call("subscription/stop", { external_id: externalId }, { apGuid: null }), 404, `unknown external_id ${externalId}`);
    expect((await details(key))?.instance.state).toBe("active");
  });

  it("a repeat of the owner's call from another installation is 404, not the repeat's success", async () => {
    const { externalId } = await createSubscription({ apGuid: OWNER });
    expect((await call("subscription/stop", { external_id: externalId }, { apGuid: OWNER })).status).toBe(200);
    expectTaskError(await call("subscription/stop", { external_id: externalId }, { apGuid: INTRUDER }), 404, `unknown external_id ${externalId}`);
  });

  it("the owner is recognised trimmed and in any letter case, and can do everything", async () => {
    const { key, externalId } = await createSubscription({ apGuid: OWNER });
    for (const [path, body] of subscriptionCalls(externalId)) {
      const answer = await call(path, body, { apGuid: ` ${OWNER.toUpperCase()} ` });
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
    }
    expect((await details(key))?.instance.state).toBe("released");
  });

  it("a repeated create with the ap_guid in another letter case names the same subscription", async () => {
    const subscriptionId = unique("S");
    const first = await call("subscription/create", createBody(subscriptionId), { apGuid: OWNER });
    const again = await call("subscription/create", createBody(subscriptionId), { apGuid: OWNER.toUpperCase() });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(first.body.external_id).toBe(expectedExternalId(OWNER, subscriptionId));
  });

  it("a resent renewal with the ap_guid in another letter case does not extend twice", async () => {
    const { key, externalId } = await createSubscription({ apGuid: OWNER });
    const expiresAt = (await details(key))!.instance.expiresAt!;
    expect((await call("subscription/renew", seedRenewBody(externalId), { apGuid: OWNER })).status).toBe(200);
    expect((await call("subscription/renew", seedRenewBody(externalId), { apGuid: OWNER.toUpperCase() })).status).toBe(200);
    expect((await details(key))?.events.filter((e) => e.type === "instance.renewed")).toHaveLength(1);
    expect((await details(key))?.instance.expiresAt).not.toBe(expiresAt);
  });

  it("a plan change cannot move the subscription to another installation", async () => {
    const { externalId } = await createSubscription({ apGuid: OWNER });
    const body = { external_id: externalId, plan: { ...plan(), apGuid: INTRUDER, owner: INTRUDER } };
    expect((await call("subscription/change", body, { apGuid: OWNER })).status).toBe(200);
    expectTaskError(await call("subscription/stop", { external_id: externalId }, { apGuid: INTRUDER }), 404, `unknown external_id ${externalId}`);
  });
});

describe("a subscription created without ap_guid", () => {
  // subscription/create documents no query string (docs/activeplatform.md §A.4), so a create
  // may come without ap_guid (only when no allow-list is configured: with one it is refused).
  // Such a subscription is bound to the first installation that acts on it afterwards.
  it("is bound to the first ap_guid that acts on it; others, and calls without ap_guid, then get 404", async () => {
    const subscriptionId = unique("S");
    const created = await call("subscription/create", createBody(subscriptionId), { apGuid: null, resellerId: null });
    expect(created.status, created.text).toBe(201);
    const externalId = String(created.body.external_id);
    expect((await call("subscription/stop", { external_id: externalId }, { apGuid: null })).status).toBe(200);
    expect((await call("subscription/activate", { external_id: externalId }, { apGuid: OWNER })).status).toBe(200);
    expectTaskError(await call("subscription/stop", { external_id: externalId }, { apGuid: INTRUDER }), 404, `unknown external_id ${externalId}`);
    expectTaskError(await call("subscription/stop", { external_id: externalId }, { apGuid: null }), 404, `unknown external_id ${externalId}`);
    expect((await call("subscription/stop", { external_id: externalId }, { apGuid: OWNER.toUpperCase() })).status).toBe(200);
    expect((await details(`activeplatform:${externalId}`))?.instance).toMatchObject({ state: "suspended", owner: OWNER });
    // ActivePlatform repeating the create still gets its answer.
    const again = await call("subscription/create", createBody(subscriptionId), { apGuid: null, resellerId: null });
    expect([again.status, again.body]).toEqual([201, { external_id: externalId }]);
  });
});

describe("users belong to the installation that created them", () => {
  async function createUser(apGuid: string) {
    const answer = await call("user/create", { email: `${unique("u")}@example.test`, first_name: "Ann", last_name: "Lee" }, { apGuid });
    expect(answer.status, answer.text).toBe(201);
    return String(answer.body.id);
  }

  it("another installation gets 404 as for an unknown user id, and nothing changes", async () => {
    const id = await createUser(OWNER);
    for (const [path, body] of [
      ["user/update", { id, first_name: "Eve" }],
      ["user/deactivate", { id }],
      ["user/activate", { id }],
      ["user/delete", { id }],
    ] as const) {
      expectTaskError(await call(path, body, { apGuid: INTRUDER }), 404, `unknown user id ${id}`);
    }
    const d = await details(`activeplatform-user:${id}`);
    expect(d?.instance.state).toBe("active");
    expect(d?.events.map((e) => e.type)).toEqual(["user.created"]);
  });

  it("the creator, in any letter case, is served", async () => {
    const id = await createUser(OWNER);
    expect((await call("user/update", { id, first_name: "Annie" }, { apGuid: OWNER.toUpperCase() })).status).toBe(200);
    expect((await call("user/deactivate", { id }, { apGuid: ` ${OWNER} ` })).status).toBe(200);
    expect((await details(`activeplatform-user:${id}`))?.instance.state).toBe("suspended");
  });
});

describe("instances stored before owners were recorded", () => {
  it("take their owner from the ap_guid kept in the plan at create when the object starts", async () => {
    const externalId = crypto.randomUUID();
    const key = `activeplatform:${externalId}`;
    // A scratch object holding the tables and row as the previous schema wrote them; the
    // migration the object runs when it starts is then run on them.
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(`scratch:${key}`));
    const migrated = await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      sql.exec(PREVIOUS_SCHEMA);
      const stamp = new Date().toISOString();
      sql.exec(
        `INSERT INTO instance (id, key, source, external_id, state, plan, expires_at, refs, app_info, test, version, created_at, updated_at)
         VALUES (1, ?, 'activeplatform', ?, 'active', ?, NULL, '{}', '{}', 0, 1, ?, ?)`,
        key,
        externalId,
        JSON.stringify({ sku: "TEAM-M", apGuid: ` ${OWNER.toUpperCase()}` }),
        stamp,
        stamp,
      );
      migrateSchema(sql);
      migrateSchema(sql);
      return {
        instance: readInstance(sql),
        eventColumns: sql
          .exec("SELECT name FROM pragma_table_info('events')")
          .toArray()
          .map((r) => r.name),
      };
    });
    expect(migrated.instance).toMatchObject({ owner: OWNER, marketTime: null, state: "active" });
    expect(migrated.eventColumns).toContain("market_time");
    expect(mayAct(migrated.instance!.owner, normalizeOwner(INTRUDER))).toBe(false);
    expect(mayAct(migrated.instance!.owner, normalizeOwner(OWNER))).toBe(true);
  });
});

/** The instance and events tables before `owner` and `market_time` existed. */
const PREVIOUS_SCHEMA = `
CREATE TABLE instance (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL, source TEXT NOT NULL, external_id TEXT NOT NULL,
  state TEXT NOT NULL, plan TEXT NOT NULL, expires_at TEXT, refs TEXT NOT NULL, app_info TEXT NOT NULL, test INTEGER NOT NULL,
  version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, event_key TEXT NOT NULL, scope TEXT NOT NULL, type TEXT NOT NULL,
  from_state TEXT, to_state TEXT NOT NULL, occurred_at TEXT NOT NULL, test INTEGER NOT NULL, answer TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX events_by_key ON events (event_key);
CREATE TABLE deliveries (delivery_id TEXT PRIMARY KEY, event_seq INTEGER NOT NULL, connector TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, attempt_log TEXT NOT NULL DEFAULT '[]', lease_until INTEGER, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
`;
