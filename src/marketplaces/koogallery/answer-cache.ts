/**
 * @module marketplaces/koogallery/answer-cache
 * A KV shortcut for V1 calls KooGallery repeats, above all newInstance, which it re-invokes
 * whenever the buyer opens "resource details". Only order-scoped answers are cached (a freeze's
 * answer stops being valid once the instance is unfrozen), and only once a duplicate has been
 * seen, so one-off events cost no KV write. The Durable Object stays the truth: a miss or a
 * stale entry only costs the round trip it would have cost anyway.
 *
 * V2 calls never read it: their nonce must be checked where it is strongly consistent, in the
 * Durable Object, so they go there regardless.
 */
import type { JsonObject } from "../../lifecycle/types";

/** newInstance answers carry app info the vendor may still change; keep them briefly. */
const NEW_INSTANCE_TTL_S = 60;
const ORDER_ANSWER_TTL_S = 24 * 3600;

const cacheKey = (eventKey: string): string => `answer:${eventKey}`;

export async function cachedAnswer(cache: KVNamespace, eventKey: string): Promise<JsonObject | null> {
  try {
    return await cache.get<JsonObject>(cacheKey(eventKey), "json");
  } catch {
    return null;
  }
}

export async function rememberAnswer(cache: KVNamespace, eventKey: string, body: JsonObject, isNewInstance: boolean): Promise<void> {
  try {
    await cache.put(cacheKey(eventKey), JSON.stringify(body), { expirationTtl: isNewInstance ? NEW_INSTANCE_TTL_S : ORDER_ANSWER_TTL_S });
  } catch (err) {
    console.warn({ msg: "answer cache write failed", error: String(err) });
  }
}
