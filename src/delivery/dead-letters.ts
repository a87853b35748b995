/**
 * @module delivery/dead-letters
 * The listable index of dead-lettered deliveries, in KV. The instance's Durable Object holds the
 * truth (status `dead`, reason, attempts); this index only answers "which deliveries are dead,
 * newest first" across all instances, and "which instance owns delivery X" for replay.
 *
 * Keys sort newest first: `dead:<inverted epoch ms>:<deliveryId>`. The summary rides in the key's
 * metadata, so listing a page costs one KV list and no gets.
 */

export interface DeadLetterSummary {
  deliveryId: string;
  instanceKey: string;
  connector: string;
  eventType: string;
  reason: string;
  attempts: number;
  deadAt: string;
}

export interface DeadLetterPage {
  items: DeadLetterSummary[];
  cursor: string | null;
}

const MAX_EPOCH_MS = 9_999_999_999_999;
const PREFIX = "dead:";
const ownerKey = (deliveryId: string) => `delivery:${deliveryId}`;
const MAX_REASON = 300;

export function deadLetterKey(deadAtMs: number, deliveryId: string): string {
  return `${PREFIX}${String(MAX_EPOCH_MS - deadAtMs).padStart(13, "0")}:${deliveryId}`;
}

export async function indexDeadLetter(cache: KVNamespace, summary: DeadLetterSummary): Promise<void> {
  const key = deadLetterKey(Date.parse(summary.deadAt), summary.deliveryId);
  // KV metadata is capped at 1024 bytes; the reason is the only unbounded field.
  const metadata = { ...summary, reason: summary.reason.slice(0, MAX_REASON) };
  await Promise.all([
    cache.put(key, "", { metadata }),
    cache.put(ownerKey(summary.deliveryId), JSON.stringify({ instanceKey: summary.instanceKey, indexKey: key })),
  ]);
}

export async function listDeadLetters(cache: KVNamespace, opts: { limit: number; cursor?: string | null }): Promise<DeadLetterPage> {
  const page = await cache.list<DeadLetterSummary>({ prefix: PREFIX, limit: opts.limit, ...(opts.cursor ? { cursor: opts.cursor } : {}) });
  return {
    items: page.keys.map((k) => k.metadata).filter((m): m is DeadLetterSummary => !!m),
    cursor: page.list_complete ? null : page.cursor,
  };
}

/** The instance that owns a dead-lettered delivery, or null if the index does not know it. */
export async function deadLetterOwner(cache: KVNamespace, deliveryId: string): Promise<string | null> {
  const owner = await cache.get<{ instanceKey: string }>(ownerKey(deliveryId), "json");
  return owner?.instanceKey ?? null;
}

/** Removes a replayed delivery from the dead list; it is indexed again if it dies again. */
export async function unindexDeadLetter(cache: KVNamespace, deliveryId: string): Promise<void> {
  const owner = await cache.get<{ instanceKey: string; indexKey: string }>(ownerKey(deliveryId), "json");
  if (owner) await cache.delete(owner.indexKey);
}
