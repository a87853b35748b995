/**
 * @module delivery/dead-letter-consumer
 * The `lifecycle-dead-letters` queue consumer: marks each delivery dead in its instance (the
 * truth) and adds it to the KV index that `/admin/dead-letters` lists. Messages that arrive here
 * because Queues itself gave up (max_retries) carry no reason; they get one. Operational events
 * that Queues gave up on arrive here too; they are marked dead in the ops outbox, and nothing
 * more (an operational event is never about another).
 */
import type { Bindings } from "../bindings";
import { indexDeadLetter } from "./dead-letters";
import type { DeadLetterMessage } from "./message";
import { isOpsMessage } from "../ops/message";
import { opsOutbox } from "../ops/relay";
import { project } from "../projection/project";
import { deliveryProjection } from "../projection/types";
import { instanceObject } from "../instance/stub";

export async function consumeDeadLetters(batch: MessageBatch<DeadLetterMessage>, env: Bindings): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const dead = message.body;
      try {
        if (isOpsMessage(dead)) {
          await opsOutbox(env).markDead(dead.deliveryId, "queue delivery retries exhausted");
          message.ack();
          return;
        }
        const reason = dead.reason ?? "queue delivery retries exhausted";
        const instance = instanceObject(env, dead.instanceKey);
        const delivery = await instance.markDead(dead.deliveryId, reason);
        if (delivery && delivery.status !== "dead") {
          // Delivered after all (a late duplicate died): nothing to list.
          message.ack();
          return;
        }
        if (delivery) await project(env, { deliveries: [deliveryProjection(delivery, dead.instanceKey, dead.event.type, dead.reason ? undefined : "dead")] });
        await indexDeadLetter(env.CACHE, {
          deliveryId: dead.deliveryId,
          instanceKey: dead.instanceKey,
          connector: dead.connector,
          eventType: dead.event.type,
          reason,
          attempts: delivery?.attempts ?? dead.attempts ?? message.attempts,
          deadAt: dead.deadAt ?? new Date().toISOString(),
        });
        message.ack();
      } catch (err) {
        console.error({ msg: "dead-letter consumer error", deliveryId: dead.deliveryId, error: err instanceof Error ? err.message : String(err) });
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
}
