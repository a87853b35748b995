/**
 * @module admin/reconcile-routes
 * `GET /admin/drift` (from the operations index) and `POST /admin/reconcile` (one sweep run, the
 * cron's work; docs/reconciliation.md).
 */
import { operationsIndex } from "../projection/project";
import { decodeCursor, encodeCursor, type Position } from "../projection/search";
import { runSweep, RECONCILE_BATCH } from "../reconcile/sweep";
import { AdminError, queryOf, readJson, send, validate } from "./io";
import { DriftPage, DriftQuery, ReconcileRequest, ReconcileSummary } from "./reconcile-schemas";
import type { AdminRequest } from "./routes";

export async function listDrift({ url, env }: AdminRequest): Promise<Response> {
  const q = validate(DriftQuery, queryOf(url), "query");
  let after: Position | null = null;
  if (q.cursor !== undefined) {
    after = decodeCursor(q.cursor);
    if (!after) throw new AdminError(400, "invalid_request", "query.cursor: not a cursor from a previous page");
  }
  const page = await operationsIndex(env).drifts({ connector: q.connector, after, limit: q.limit });
  return send(DriftPage, { items: page.items as never, cursor: page.next ? encodeCursor(page.next) : null });
}

export async function postReconcile({ body, env }: AdminRequest): Promise<Response> {
  const { limit } = validate(ReconcileRequest, readJson(body, {}), "body");
  return send(ReconcileSummary, await runSweep(env, limit ?? RECONCILE_BATCH));
}
