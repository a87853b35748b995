/**
 * @module connectors/koodrive/trace-id
 * `x-traceid` (docs/koodrive.md §B.3): exactly 58 characters. Derived from the delivery id so every retry
 * of one delivery carries the same trace id, which ties a Huawei support ticket to our delivery log.
 */
import { sha256 } from "../../crypto/digest";
import { toHex } from "../../crypto/encoding";

const TRACE_ID_LENGTH = 58;

/** First 58 hex digits of SHA-256(deliveryId). */
export async function traceIdFor(deliveryId: string): Promise<string> {
  return toHex(await sha256(deliveryId)).slice(0, TRACE_ID_LENGTH);
}
