/**
 * Admin test helpers: authenticated calls through the whole Worker, and deliveries in a chosen
 * state inside a real instance object.
 *
 * Deliveries are seeded because the test configuration enables no connector, so provisioning
 * plans none. A seeded delivery is one outbox row for the instance's real provisioning event,
 * driven to its state through the object's own `recordAttempt` (as the queue consumer does) and,
 * when dead, indexed with `indexDeadLetter` (as the dead-letter consumer does).
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { indexDeadLetter } from "../../src/delivery/dead-letters";
import type { InstanceDetails } from "../../src/instance/instance-object";
import { newInstanceV1 } from "../support/koogallery";

/** vitest.config.mts sets the same ADMIN_TOKEN. */
const TOKEN = "test-admin-token";
const ADMIN = "https://gateway.test/admin";

export interface Call {
  method?: string;
  body?: unknown;
  /** null: no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

export function adminRequest(path: string, call: Call = {}): Request {
  const headers = new Headers(call.headers);
  const token = call.token === undefined ? TOKEN : call.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    headers.set("Content-Type", "application/json");
  }
  return new Request(`${ADMIN}${path}`, { method: call.method ?? "GET", headers, body });
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export async function call<T = Record<string, unknown>>(path: string, c: Call = {}): Promise<Answer<T>> {
  return read<T>(await exports.default.fetch(adminRequest(path, c)));
}

export async function read<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as T, text, headers: response.headers };
}

export interface ErrorAnswer {
  error: { code: string; message: string };
}

export async function provisioned(): Promise<{ instanceId: string; key: string }> {
  const { instanceId } = await newInstanceV1();
  return { instanceId, key: `koogallery:${instanceId}` };
}

export const stubFor = (key: string) => env.INSTANCES.get(env.INSTANCES.idFromName(key));

export async function detailsOf(key: string): Promise<InstanceDetails> {
  const d = (await stubFor(key).details()) as InstanceDetails | null;
  if (!d) throw new Error(`no instance ${key}`);
  return d;
}

export interface Seed {
  status: "pending" | "dead" | "delivered";
  connector?: "vendor" | "koodrive" | "mor";
  deadAt?: string;
  /** Dead deliveries are indexed unless this is false. */
  index?: boolean;
  excerpt?: string;
  reason?: string;
  /** The event the delivery belongs to (its newest event of that type); default the provisioning event. */
  eventType?: string;
}

export async function seedDelivery(key: string, seed: Seed): Promise<string> {
  const stub = stubFor(key);
  const events = (await detailsOf(key)).events;
  const seq = (seed.eventType ? events.find((e) => e.type === seed.eventType) : events.at(-1))!.seq;
  const deliveryId = `dlv_${crypto.randomUUID().replaceAll("-", "")}`;
  const connector = seed.connector ?? "vendor";
  const now = new Date().toISOString();
  // A far lease keeps the object's own alarm from re-sending it during the test.
  const leaseUntil = Date.now() + 24 * 3600 * 1000;
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(
      `INSERT INTO deliveries (delivery_id, event_seq, connector, status, reason, lease_until, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', NULL, ?, ?, ?)`,
      deliveryId,
      seq,
      connector,
      leaseUntil,
      now,
      now,
    );
  });
  if (seed.status === "pending") return deliveryId;
  const reason = seed.reason ?? "partner answered 400: invalid request";
  await stub.recordAttempt({
    deliveryId,
    result: seed.status,
    attempt: {
      at: now,
      outcome: seed.status === "dead" ? "permanent" : "delivered",
      status: seed.status === "dead" ? 400 : 200,
      excerpt: seed.excerpt ?? "{}",
      durationMs: 12,
    },
    ...(seed.status === "dead" ? { reason } : {}),
  });
  if (seed.status === "dead" && seed.index !== false) {
    await indexDeadLetter(env.CACHE, {
      deliveryId,
      instanceKey: key,
      connector,
      eventType: seed.eventType ?? "instance.provisioned",
      reason,
      attempts: 1,
      deadAt: seed.deadAt ?? now,
    });
  }
  return deliveryId;
}
