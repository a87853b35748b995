/**
 * @module bench/workers/minimal-do
 * Baseline (b): the floor of any one-Durable-Object-per-instance design. Each call is routed to
 * the object named by its instance id (V2: JSON body `instanceId`; V1: `instanceId` query
 * parameter, or `businessId` for newInstance) and the object writes one SQLite row. Nothing is
 * verified or signed: whatever the gateway does beyond this is its own cost.
 */
import { DurableObject } from "cloudflare:workers";

/** @typedef {{ OBJ: DurableObjectNamespace<EventLog> }} Env */

const JSON_HEADERS = { "content-type": "application/json" };

/** @extends {DurableObject<Env>} */
export class EventLog extends DurableObject {
  /** @param {DurableObjectState} ctx @param {Env} env */
  constructor(ctx, env) {
    super(ctx, env);
    // Schema before the first call, as a real design would do it.
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, activity TEXT NOT NULL, at INTEGER NOT NULL)");
    });
  }

  /** @param {string} activity */
  record(activity) {
    this.ctx.storage.sql.exec("INSERT INTO events (activity, at) VALUES (?, ?)", activity, Date.now());
    return true;
  }
}

/** @param {Request} request @returns {Promise<{ id: string | null, activity: string }>} */
async function callOf(request) {
  const url = new URL(request.url);
  if (request.method === "POST") {
    // Always consume the body, even if it is not JSON, so the connection stays reusable.
    const text = await request.text();
    try {
      const body = JSON.parse(text);
      return { id: typeof body.instanceId === "string" ? body.instanceId : null, activity: String(body.activity) };
    } catch {
      return { id: null, activity: "" };
    }
  }
  // V1 newInstance (the harness's untimed setup) names the instance by businessId.
  const id = url.searchParams.get("instanceId") ?? url.searchParams.get("businessId");
  return { id, activity: url.searchParams.get("activity") ?? "" };
}

export default {
  /** @param {Request} request @param {Env} env */
  async fetch(request, env) {
    const { id, activity } = await callOf(request);
    if (!id) return new Response('{"resultCode":"000002"}', { status: 400, headers: JSON_HEADERS });
    await env.OBJ.get(env.OBJ.idFromName(id)).record(activity);
    return new Response('{"resultCode":"000000","resultMsg":"success."}', { headers: JSON_HEADERS });
  },
};
