/**
 * @module delivery/message-size
 * How big a queue message may be, and how the outbox packs messages into `sendBatch` calls. Pure.
 *
 * Cloudflare Queues refuse a message over 128 KB (128,000 bytes, about 100 of them metadata) and a
 * batch over 256 KB or 100 messages (docs/platform.md §0, fact 6). A refused send fails the same way
 * every time, so a message is weighed before it is sent: one that can never fit is dead-lettered at
 * once, and batches are cut by bytes as well as by count, so that messages which fit alone are
 * never refused for their neighbours.
 *
 * Messages go as `contentType: "json"`, so their size is exactly the UTF-8 length of their JSON.
 */

/** The Queues limit for one message, for reasons shown to operators. */
const QUEUE_MESSAGE_LIMIT_BYTES = 128_000;

/**
 * What a delivery message may weigh. The rest of the 128 KB is headroom for what the dead-letter
 * message adds to it (reason of at most {@link MAX_REASON_CHARS} characters, attempts, time) and
 * for the Queues metadata.
 */
export const MAX_DELIVERY_MESSAGE_BYTES = 120_000;

/** Longest reason a delivery records or a dead-letter message carries. */
export const MAX_REASON_CHARS = 1_000;

/** `sendBatch` limits, less a per-message allowance for what Queues adds to each. */
export const MAX_BATCH_BYTES = 256_000;
export const MAX_BATCH_MESSAGES = 100;
const PER_MESSAGE_OVERHEAD_BYTES = 100;

const encoder = new TextEncoder();

/** The size of `body` as a JSON queue message. */
export function messageBytes(body: unknown): number {
  return encoder.encode(JSON.stringify(body)).byteLength;
}

/** Splits sized items, in order, into batches within the `sendBatch` limits. */
export function batchesOf<T extends { bytes: number }>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const weight = item.bytes + PER_MESSAGE_OVERHEAD_BYTES;
    if (current.length > 0 && (current.length >= MAX_BATCH_MESSAGES || bytes + weight > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += weight;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function tooLargeReason(bytes: number): string {
  return `the delivery message is ${bytes} bytes, over the ${MAX_DELIVERY_MESSAGE_BYTES}-byte budget for a queue message (Cloudflare Queues take at most ${QUEUE_MESSAGE_LIMIT_BYTES / 1000} KB); it cannot be queued`;
}
