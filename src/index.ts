/**
 * @module index
 * The Worker: HTTP for marketplaces, operators and health; the queue consumers that deliver
 * lifecycle events downstream, operational events to the operations endpoint, and record dead
 * letters. Durable Object classes are exported from here for wrangler.
 */
import type { Bindings } from "./bindings";
import { consumeDeadLetters } from "./delivery/dead-letter-consumer";
import { consumeDeliveries } from "./delivery/consumer";
import type { DeadLetterMessage, DeliveryMessage } from "./delivery/message";
import { DEAD_LETTER_QUEUE, OPS_QUEUE } from "./delivery/queues";
import { router } from "./http/router";
import { consumeOpsEvents } from "./ops/consumer";
import type { OpsMessage } from "./ops/message";
import { runSweep } from "./reconcile/sweep";

export { InstanceObject } from "./instance/instance-object";
export { KooDriveSessionObject } from "./connectors/koodrive/session-object";
export { ConnectorGate } from "./gate/connector-gate";
export { OpsObject } from "./ops/ops-object";
export { IndexObject } from "./projection/index-object";

// `satisfies` keeps fetch/queue callable in tests without asserting they are defined.
export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  async queue(batch, env, _ctx) {
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch as MessageBatch<DeadLetterMessage>, env);
    if (batch.queue === OPS_QUEUE) return consumeOpsEvents(batch as MessageBatch<OpsMessage>, env);
    return consumeDeliveries(batch as MessageBatch<DeliveryMessage>, env);
  },
  // The reconciliation sweep ([triggers] crons): a bounded slice per run, resumed by the next.
  async scheduled(_controller, env, _ctx) {
    try {
      await runSweep(env);
    } catch (err) {
      console.error({ msg: "reconciliation sweep failed", error: err instanceof Error ? err.message : String(err) });
    }
  },
} satisfies ExportedHandler<Bindings>;
