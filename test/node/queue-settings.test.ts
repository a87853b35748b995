/**
 * wrangler.toml's queue consumers and the deploy steps must fit the retry policy: Queues must
 * never drop or dead-letter a delivery before the gateway's own policy has given up on it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_QUEUE, DELIVERY_QUEUE, OPS_QUEUE, QUEUE_RETENTION_S } from "../../src/delivery/queues";
import { MAX_ATTEMPTS, MAX_QUEUE_DELAY_S, baseDelayS } from "../../src/delivery/retry-policy";
import { REPO_DIR } from "../../tools/lib/wrangler-dev.mjs";

const config = unstable_readConfig({ config: join(REPO_DIR, "wrangler.toml") });
const consumer = (queue: string) => config.queues.consumers?.find((c: { queue: string }) => c.queue === queue);

describe("queue settings against the retry policy", () => {
  it("the deliveries consumer dead-letters into the dead-letter queue, and only after the policy's last attempt", () => {
    const deliveries = consumer(DELIVERY_QUEUE);
    expect(deliveries?.dead_letter_queue).toBe(DEAD_LETTER_QUEUE);
    expect(deliveries?.max_retries).toBeGreaterThan(MAX_ATTEMPTS);
    expect(deliveries?.max_retries).toBeLessThanOrEqual(100);
  });

  it("a batch is no larger than a Worker's six simultaneous connections", () => {
    expect(consumer(DELIVERY_QUEUE)?.max_batch_size).toBeLessThanOrEqual(6);
    expect(consumer(OPS_QUEUE)?.max_batch_size).toBeLessThanOrEqual(6);
  });

  it("operational events have their own queue and the same retry ceiling, dead-lettering into the dead-letter queue", () => {
    const ops = consumer(OPS_QUEUE);
    expect(ops?.dead_letter_queue).toBe(DEAD_LETTER_QUEUE);
    expect(ops?.max_retries).toBeGreaterThan(MAX_ATTEMPTS);
    expect(config.queues.producers?.find((p: { queue: string; binding: string }) => p.queue === OPS_QUEUE)?.binding).toBe("OPS_EVENTS");
  });

  it("the dead-letter consumer keeps retrying instead of dropping what it failed to record", () => {
    expect(consumer(DEAD_LETTER_QUEUE)?.max_retries).toBe(100);
  });

  it("the whole retry schedule, jitter and lease included, fits the 14-day retention with days to spare", () => {
    let worst = 0;
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) worst += Math.min(baseDelayS(attempt) * 2, MAX_QUEUE_DELAY_S * 2);
    expect(QUEUE_RETENTION_S).toBe(1_209_600);
    expect(worst + 900).toBeLessThan(QUEUE_RETENTION_S / 2);
  });

  it("the README's deploy steps create both queues with that retention", () => {
    const readme = readFileSync(join(REPO_DIR, "README.md"), "utf8");
    for (const queue of [DELIVERY_QUEUE, DEAD_LETTER_QUEUE]) {
      expect(readme).toContain(`wrangler queues create ${queue} --message-retention-period-secs ${QUEUE_RETENTION_S}`);
    }
  });
});
