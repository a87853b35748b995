/**
 * The README's "Drift, found and repaired", automated with the commands a newcomer types:
 * `npm start -- --test-scheduled` (tools/start.mjs under wrangler dev, its Cron Trigger at
 * `/__scheduled`), the mock partners (`npm run mocks`, here in-process on free ports), the
 * simulator CLI, the mock MOR's own edit endpoint, then `RECONCILE_REPAIR=true` and a restart on
 * the same local state. Differences from a person's terminal, each to keep runs apart: free ports,
 * `--persist-to` a temporary directory, and the settings that point at the mocks given as `--var`
 * (what `.dev.vars` holds for `npm run mocks`' default ports).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { DriftPage } from "../../src/admin/reconcile-schemas";
import { runSimulator } from "./support/simulator-cli";
import { startMocks } from "../../tools/mocks/index.mjs";
import { SPEC_TEST_KEY } from "../../tools/lib/koogallery-signer.mjs";
import { npmStart, type NpmStarted } from "./support/npm-start";

interface Received {
  path: string;
  ok: boolean;
  body: string;
}
interface MockSubscription {
  id: string;
  status: string;
  subscription_activation_end?: string;
  subscription_until_canceled?: string;
}
interface Mocks {
  urls: { vendor: string; koodrive: string; mor: string };
  received: { vendor: Received[]; koodrive: Received[]; mor: Received[] };
  gatewayVars: Record<string, string>;
  close(): Promise<void>;
}
/** A drift as `GET /admin/drift` lists it: the admin API's own schema. */
type Drift = z.infer<typeof DriftPage>["items"][number];
interface Delivery {
  deliveryId: string;
  connector: string;
  status: string;
}
interface Details {
  instance: { state: string; expiresAt: string; refs: Record<string, string> };
  deliveries: Delivery[];
}
interface OpsEvent {
  type: string;
  data: Drift & { repairedBy?: string };
}

const ADMIN = "drift-walk-admin";
const EDITED_END = "2031-01-01T00:00:00Z";

let work: string;
let mocks: Mocks;
let gateway: NpmStarted;
let baseArgs: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "drift-walk-"));
  mocks = (await startMocks({ portBase: 0, log: false })) as Mocks;
  const vars: Record<string, string> = {
    // Pinned, so that a developer's own .dev.vars (which `npm start` prefers) cannot change them.
    ADMIN_TOKEN: ADMIN,
    KOOGALLERY_ACCESS_KEY: SPEC_TEST_KEY,
    VENDOR_WEBHOOK_URL: mocks.urls.vendor,
    KOODRIVE_BASE_URL: mocks.urls.koodrive,
    KOODRIVE_USER_ID: mocks.gatewayVars.KOODRIVE_USER_ID!,
    MOR_BASE_URL: mocks.urls.mor,
    OPS_WEBHOOK_URL: mocks.gatewayVars.OPS_WEBHOOK_URL!,
  };
  baseArgs = ["--test-scheduled", "--persist-to", join(work, "state"), ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])];
  gateway = await npmStart(baseArgs);
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await mocks?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const simulate = (args: string[]) => runSimulator(gateway.url, args);

/** Bounded wait for something the gateway does after answering (queues, projections, waitUntil). */
async function eventually<T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`${what}: not reached in time; last seen ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const admin = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const response = await fetch(`${gateway.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
};
const drifts = async () => (await admin<{ items: Drift[] }>("/admin/drift")).items;
const details = (key: string) => admin<Details>(`/admin/instances/${key}`);

/** What the README's `curl …/__mock/subscriptions` shows. */
const morHolds = async (): Promise<MockSubscription[]> =>
  ((await (await fetch(`${mocks.urls.mor}/__mock/subscriptions`)).json()) as { subscriptions: MockSubscription[] }).subscriptions;
const morEnd = async (id: string) => (await morHolds()).find((s) => s.id === id)?.subscription_activation_end;

/** `curl -s "http://127.0.0.1:8787/__scheduled?cron=0+*+*+*+*"`: the Cron Trigger, as wrangler dev exposes it. */
async function cronSweep(): Promise<void> {
  const response = await fetch(`${gateway.url}/__scheduled?cron=0+*+*+*+*`);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain("Ran scheduled event");
}

/** MOR API calls (not the mock's own admin endpoint), by method. */
const morCalls = () => mocks.received.mor.filter((r) => r.path.startsWith("/billing/api/")).map((r) => r.path.slice("/billing/api/".length));
const opsEvents = () => mocks.received.vendor.filter((r) => r.path === "/ops" && r.ok).map((r) => JSON.parse(r.body) as OpsEvent);

/**
 * The sweep summaries the Worker logged (`console.log({ msg: "reconciliation sweep", ... })`),
 * as wrangler dev prints them: one `key: value,` line each between braces.
 */
function loggedSweeps(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const lines = gateway.log;
  for (let i = 0; i < lines.length; i++) {
    if (!/msg: 'reconciliation sweep'/.test(lines[i]!)) continue;
    const summary: Record<string, unknown> = {};
    for (let j = i + 1; j < lines.length && !/^\s*}/.test(lines[j]!); j++) {
      const m = /^\s*(\w+): (.*?),?$/.exec(lines[j]!);
      if (m && m[1] !== "connector") summary[m[1]!] = m[2] === "null" ? null : m[2] === "true" ? true : m[2] === "false" ? false : Number(m[2]);
    }
    out.push(summary);
  }
  return out;
}

/** Provision and renew one non-test KooGallery V1 instance with the simulator CLI; its key. */
async function activeInstance(): Promise<string> {
  const created = await simulate(["koogallery-v1", "newInstance", "--test-flag", "0"]);
  expect(created.code, created.out).toBe(0);
  const instanceId = /"instanceId":"([0-9a-f-]{36})"/.exec(created.out)?.[1];
  expect(instanceId, created.out).toBeDefined();
  const renewed = await simulate(["koogallery-v1", "refreshInstance", "--instance", instanceId!, "--test-flag", "0"]);
  expect(renewed.code, renewed.out).toBe(0);
  return `koogallery:${instanceId}`;
}

/** Until every MOR delivery of the instance is delivered (the sweep does not judge one in flight). */
const morSettled = (key: string, count: number) =>
  eventually(
    `${key}: ${count} MOR deliveries delivered`,
    () => details(key),
    (d) =>
      d.deliveries.filter((x) => x.connector === "mor" && x.status === "delivered").length === count && d.deliveries.every((x) => x.status === "delivered"),
  );

const endOf = (iso: string) => `end ${new Date(iso).toISOString()}`;
const secondsOf = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));

describe("README walkthrough: drift, found and repaired", () => {
  let edited: string;
  let untouched: string;
  let subscriptionId: string;
  let expiresAt: string;
  let found: Drift[];

  it("a subscription edited in MOR behind the gateway's back is found by the cron sweep, reported once and left as MOR holds it", async () => {
    edited = await activeInstance();
    untouched = await activeInstance();
    const [a, b] = await Promise.all([morSettled(edited, 1), morSettled(untouched, 1)]);
    subscriptionId = a.instance.refs["mor.subscriptionId"]!;
    expiresAt = a.instance.expiresAt;
    const otherId = b.instance.refs["mor.subscriptionId"]!;

    // What MOR holds: both subscriptions, each ending when its instance expires.
    expect(await morEnd(subscriptionId)).toBe(secondsOf(expiresAt));
    expect(await morEnd(otherId)).toBe(secondsOf(b.instance.expiresAt));

    const edit = await fetch(`${mocks.urls.mor}/__mock/subscriptions/${subscriptionId}`, { method: "POST", body: JSON.stringify({ end: EDITED_END }) });
    expect(edit.status).toBe(200);
    const callsBefore = morCalls().length;
    const deliveriesBefore = a.deliveries.length;

    await cronSweep();
    found = await eventually("/admin/drift lists the edited instance", drifts, (items) => items.length > 0);
    expect(found).toEqual([
      { instanceKey: edited, connector: "mor", partnerValue: endOf(EDITED_END), instanceValue: endOf(expiresAt), since: expect.any(String), repaired: false },
    ]);
    expect(found.some((d) => d.instanceKey === untouched)).toBe(false);

    const detected = await eventually("instance.drift_detected at /ops", opsEvents, (events) => events.some((e) => e.type === "instance.drift_detected"));
    expect(detected.map((e) => e.type)).toEqual(["instance.drift_detected"]);
    expect(detected[0]!.data).toMatchObject({ instanceKey: edited, connector: "mor", partnerValue: endOf(EDITED_END), instanceValue: endOf(expiresAt) });

    // Repair is off: the sweep only listed MOR's subscriptions, queued nothing, changed nothing.
    expect(morCalls().slice(callsBefore)).toEqual(["subscriptions_get"]);
    expect((await details(edited)).deliveries).toHaveLength(deliveriesBefore);
    expect(await morEnd(subscriptionId)).toBe(secondsOf(EDITED_END));
  }, 90_000);

  it("POST /admin/reconcile runs the same sweep as the Cron Trigger", async () => {
    const cron = await eventually("the cron sweep's log line", loggedSweeps, (s) => s.length === 1);
    const callsBefore = morCalls().length;
    const summary = await admin<Record<string, unknown>>("/admin/reconcile", { method: "POST" });
    expect(summary).toEqual({ checked: 2, inAgreement: 1, drifted: 1, repaired: 0, resolved: 0, skipped: 0, errors: 0, cursor: null, done: true });
    expect(summary).toEqual(cron[0]);
    // The same drift found again: still listed as first found, announced no second time.
    expect(await drifts()).toEqual(found);
    expect(opsEvents().map((e) => e.type)).toEqual(["instance.drift_detected"]);
    expect(morCalls().slice(callsBefore)).toEqual(["subscriptions_get"]);
    expect(await morEnd(subscriptionId)).toBe(secondsOf(EDITED_END));
  }, 30_000);

  it("with RECONCILE_REPAIR=true the next sweep re-sends the state to MOR and the one after finds agreement", async () => {
    await gateway.restart([...baseArgs, "--var", "RECONCILE_REPAIR:true"]);
    expect(await drifts()).toEqual(found); // local state kept across the restart

    const before = await details(edited);
    const otherBefore = await details(untouched);
    await cronSweep();
    // The latest MOR-bound event (the renewal) goes out again as a new delivery of the outbox.
    const after = await morSettled(edited, 2);
    expect(after.deliveries.length).toBe(before.deliveries.length + 1);
    expect(await morEnd(subscriptionId)).toBe(secondsOf(expiresAt));
    // Repaired means MOR agrees, which only a later sweep can tell: still listed until then.
    await eventually("the drift marked repaired", drifts, (items) => items[0]?.repaired === true);
    expect(await drifts()).toEqual([{ ...found[0]!, repaired: true }]);
    expect(opsEvents().map((e) => e.type)).toEqual(["instance.drift_detected"]);

    await cronSweep();
    await eventually("/admin/drift empty", drifts, (items) => items.length === 0);
    const events = await eventually("instance.drift_repaired at /ops", opsEvents, (e) => e.length === 2);
    expect(events.map((e) => e.type)).toEqual(["instance.drift_detected", "instance.drift_repaired"]);
    expect(events[1]!.data).toMatchObject({
      instanceKey: edited,
      connector: "mor",
      partnerValue: endOf(expiresAt),
      instanceValue: endOf(expiresAt),
      since: found[0]!.since,
      repairedBy: "resend",
    });
    // The instance that never drifted got nothing new.
    expect((await details(untouched)).deliveries).toHaveLength(otherBefore.deliveries.length);
  }, 90_000);
});
