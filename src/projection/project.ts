/**
 * @module projection/project
 * Writing to the operations index: always after the source of truth has committed, never awaited
 * by a marketplace's answer, and never allowed to fail the caller. A projection that is lost
 * (the index object unreachable) leaves the index behind until the next change of the same
 * instance or delivery, or until `POST /admin/index/rebuild` re-projects it.
 */
import type { Bindings } from "../bindings";
import type { ProjectionBatch } from "./types";
import { rpcClient } from "../rpc";

export const operationsIndex = (env: Bindings) => rpcClient(env.OPERATIONS_INDEX, "index");

export async function project(env: Bindings, batch: ProjectionBatch): Promise<void> {
  if (!batch.instances?.length && !batch.deliveries?.length && !batch.drifts?.length) return;
  try {
    await operationsIndex(env).project(batch);
  } catch (err) {
    console.error({
      msg: "index projection failed; the index lags until the next change or a rebuild",
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
