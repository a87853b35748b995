/**
 * @module delivery/message
 * What travels on the deliveries and dead-letter queues. Self-contained, so the consumer needs
 * no read from the Durable Object before calling a partner.
 */
import type { ConnectorName } from "../config";
import type { CanonicalEvent } from "../lifecycle/event-payload";

export interface DeliveryMessage {
  deliveryId: string;
  instanceKey: string;
  connector: ConnectorName;
  event: CanonicalEvent;
  refs: Record<string, string>;
  /**
   * Attempts made before this message was queued, for a delivery woken after its partner was
   * paused: the retry policy counts on from there (Queues counts this message's attempts only).
   */
  priorAttempts?: number;
}

/** A message on the dead-letter queue: the delivery plus why it died. */
export interface DeadLetterMessage extends DeliveryMessage {
  reason: string;
  attempts: number;
  deadAt: string;
}
