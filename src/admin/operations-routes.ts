/**
 * @module admin/operations-routes
 * The operations routes (docs/contract.md "Operations"): connectors with pause and resume, search
 * over the operations index, figures, and re-projecting instances into the index. The truth stays
 * where it is (connector gates, instance objects); the index answers search and figures.
 */
import type { Bindings } from "../bindings";
import { CONNECTORS, enabledConnectors, opsEnabled, type ConnectorName } from "../config";
import { connectorGate, forgetAdmissions } from "../gate/admission";
import type { ConnectorGateView } from "../gate/connector-gate";
import type { OpsSummary } from "../ops/outbox-store";
import { opsOutbox } from "../ops/relay";
import type { ConnectorFigures } from "../projection/index-store";
import { operationsIndex } from "../projection/project";
import { decodeCursor, encodeCursor, parseWindow, type Position } from "../projection/search";
import { deliveryProjection, instanceProjection } from "../projection/types";
import { AdminError, queryOf, readJson, send, validate } from "./io";
import {
  ConnectorPath,
  ConnectorResponse,
  ConnectorsResponse,
  DeliverySearchPage,
  DeliverySearchQuery,
  InstanceSearchPage,
  InstanceSearchQuery,
  PauseRequest,
  RebuildRequest,
  RebuildResponse,
  StatsQuery,
  StatsResponse,
} from "./operations-schemas";
import { maskSecretsInText } from "./present";
import type { AdminRequest } from "./routes";
import { instanceObject } from "../instance/stub";

const RECENT_MS = 24 * 3_600_000;
const REBUILD_CONCURRENCY = 6;
/** Events read per instance for a rebuild; its deliveries come with them (up to three times as many). */
const REBUILD_EVENTS = 500;

function connectorName({ params }: AdminRequest): ConnectorName {
  const { name } = validate(ConnectorPath, params, "path");
  if (!(CONNECTORS as readonly string[]).includes(name))
    throw new AdminError(404, "not_found", `no connector ${name}; connectors are ${CONNECTORS.join(", ")}`);
  return name as ConnectorName;
}

function present(view: ConnectorGateView, env: Bindings, figures: ConnectorFigures | undefined) {
  const counts = figures?.counts ?? {};
  const candidates = [view.lastFailure, figures?.lastFailure ?? null].filter((f): f is { at: string; reason: string } => f !== null);
  const failure = candidates.sort((a, b) => (a.at < b.at ? 1 : -1))[0] ?? null;
  return {
    ...view,
    name: view.name as ConnectorName,
    enabled: enabledConnectors(env).includes(view.name as ConnectorName),
    pause: view.pause ? { ...view.pause, reason: maskSecretsInText(view.pause.reason) } : null,
    recent: { window: "24h" as const, delivered: counts.delivered ?? 0, retrying: counts.retrying ?? 0, dead: counts.dead ?? 0, skipped: counts.skipped ?? 0 },
    lastSuccessAt: latest(view.lastSuccessAt, figures?.lastSuccessAt ?? null),
    lastFailure: failure ? { at: failure.at, reason: maskSecretsInText(failure.reason) } : null,
  };
}

const latest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a > b ? a : b);

async function recentFigures(env: Bindings): Promise<Map<string, ConnectorFigures>> {
  const rows = await operationsIndex(env).connectors(Date.now() - RECENT_MS);
  return new Map(rows.map((r) => [r.connector, r]));
}

export async function listConnectors({ env }: AdminRequest): Promise<Response> {
  const [views, figures, ops] = await Promise.all([
    Promise.all(CONNECTORS.map(async (c) => await connectorGate(env, c).view(c))),
    recentFigures(env),
    opsEnabled(env) ? await opsOutbox(env).summary() : null,
  ]);
  const none: OpsSummary = { pending: 0, waiting: 0, delivered: 0, dead: 0, lastSuccessAt: null, lastFailure: null };
  const o = ops ?? none;
  return send(ConnectorsResponse, {
    connectors: views.map((v) => present(v, env, figures.get(v.name))),
    ops: { enabled: opsEnabled(env), ...o, lastFailure: o.lastFailure ? { ...o.lastFailure, reason: maskSecretsInText(o.lastFailure.reason) } : null },
  });
}

export async function pauseConnector(req: AdminRequest): Promise<Response> {
  const name = connectorName(req);
  const { reason } = validate(PauseRequest, readJson(req.body, {}), "body");
  const view = await connectorGate(req.env, name).pause(name, reason ?? null);
  // This isolate stops at once; others within the gate's cache time (seconds).
  forgetAdmissions(name);
  return send(ConnectorResponse, { connector: present(view, req.env, (await recentFigures(req.env)).get(name)) });
}

export async function resumeConnector(req: AdminRequest): Promise<Response> {
  const name = connectorName(req);
  validate(PauseRequest, readJson(req.body, {}), "body");
  const view = await connectorGate(req.env, name).resume(name);
  return send(ConnectorResponse, { connector: present(view, req.env, (await recentFigures(req.env)).get(name)) });
}

function position(cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  const p = decodeCursor(cursor);
  if (!p) throw new AdminError(400, "invalid_request", "query.cursor: not a cursor from a previous page");
  return p;
}

export async function searchInstances({ url, env }: AdminRequest): Promise<Response> {
  const q = validate(InstanceSearchQuery, queryOf(url), "query");
  const page = await operationsIndex(env).instances({
    state: q.state,
    source: q.source,
    updatedSinceMs: q.updatedSince ? Date.parse(q.updatedSince) : undefined,
    after: position(q.cursor),
    limit: q.limit,
  });
  return send(InstanceSearchPage, { items: page.items as never, cursor: page.next ? encodeCursor(page.next) : null });
}

export async function searchDeliveries({ url, env }: AdminRequest): Promise<Response> {
  const q = validate(DeliverySearchQuery, queryOf(url), "query");
  const page = (await operationsIndex(env).deliveries({
    status: q.status,
    connector: q.connector,
    sinceMs: q.since ? Date.parse(q.since) : undefined,
    after: position(q.cursor),
    limit: q.limit,
  })) as { items: Array<{ reason: string | null }>; next: Position | null };
  const items = page.items.map((d) => ({ ...d, reason: d.reason === null ? null : maskSecretsInText(d.reason) }));
  return send(DeliverySearchPage, { items: items as never, cursor: page.next ? encodeCursor(page.next) : null });
}

export async function getStats({ url, env }: AdminRequest): Promise<Response> {
  const { window } = validate(StatsQuery, queryOf(url), "query");
  const until = Date.now();
  const since = until - parseWindow(window)!;
  const figures = await operationsIndex(env).figures(since);
  return send(StatsResponse, {
    window,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    inbound: figures.inbound as never,
    deliveries: figures.deliveries as never,
  });
}

/** Re-projects instances from their objects: after the index was lost, or to repair one that lags. */
export async function rebuildIndex({ body, env }: AdminRequest): Promise<Response> {
  const { keys } = validate(RebuildRequest, readJson(body), "body");
  const out = { rebuilt: [] as string[], missing: [] as string[], failed: [] as string[] };
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += REBUILD_CONCURRENCY) {
    await Promise.all(
      unique.slice(i, i + REBUILD_CONCURRENCY).map(async (key) => {
        try {
          const details = await instanceObject(env, key).details(REBUILD_EVENTS);
          if (!details) return void out.missing.push(key);
          const types = new Map(details.events.map((e) => [e.seq, e.type]));
          // No `countAs`: the figures count attempts when they happen, a rebuild does not count them again.
          await operationsIndex(env).project({
            instances: [instanceProjection(details.instance)],
            deliveries: details.deliveries.map((d) => deliveryProjection(d, key, types.get(d.eventSeq) ?? "unknown")),
          });
          out.rebuilt.push(key);
        } catch (err) {
          console.error({ msg: "index rebuild failed", instance: key, error: err instanceof Error ? err.message : String(err) });
          out.failed.push(key);
        }
      }),
    );
  }
  return send(RebuildResponse, out);
}
