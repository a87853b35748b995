/**
 * Controls the instance object's queue producer in tests: a queue whose sends fail, or silently
 * vanish (the message is lost, as when the object is evicted between commit and send).
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { Bindings } from "../../src/bindings";
import type { InstanceObject } from "../../src/instance/instance-object";
import type { DeliveryMessage } from "../../src/delivery/message";

export const stubFor = (key: string) => env.INSTANCES.get(env.INSTANCES.idFromName(key));

/** `fail-batches`: sendBatch of more than one message fails, single sends reach the real queue. */
type QueueMode = "fail" | "lose" | "real" | "fail-batches";

/** Replaces the object's DELIVERIES binding (its `env` is per object instance). */
export async function setQueue(key: string, mode: QueueMode): Promise<void> {
  await runInDurableObject(stubFor(key), (instance: InstanceObject) => {
    const holder = instance as unknown as { env: Bindings };
    const real = env.DELIVERIES;
    const queue =
      mode === "real"
        ? real
        : mode === "fail-batches"
          ? ({
              send: (body: unknown, options?: QueueSendOptions) => real.send(body, options),
              sendBatch: async (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
                const list = [...messages];
                if (list.length > 1) throw new Error("batch refused");
                return real.sendBatch(list, options);
              },
            } as unknown as Queue)
          : ({
              send: async () => {
                if (mode === "fail") throw new Error("queue unavailable");
              },
              sendBatch: async () => {
                if (mode === "fail") throw new Error("queue unavailable");
              },
            } as unknown as Queue);
    holder.env = { ...holder.env, DELIVERIES: queue };
  });
}

/** Moves every pending lease into the past, as if the lease time had elapsed. */
export async function expireLeases(key: string): Promise<void> {
  await runInDurableObject(stubFor(key), (_instance: InstanceObject, state) => {
    state.storage.sql.exec("UPDATE deliveries SET lease_until = 0 WHERE status = 'pending'");
  });
}

export async function pendingMessages(key: string): Promise<DeliveryMessage[]> {
  return (await stubFor(key).pendingMessages()) as DeliveryMessage[];
}
