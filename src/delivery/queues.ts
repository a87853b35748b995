/** @module delivery/queues Queue names as wrangler.toml declares them (the entry module may export only handlers). */
export const DELIVERY_QUEUE = "lifecycle-deliveries";
export const DEAD_LETTER_QUEUE = "lifecycle-dead-letters";

/**
 * Message retention both queues are created with (`wrangler queues create
 * --message-retention-period-secs 1209600`): the 14-day maximum, docs/platform.md fact 6. The
 * default of 4 days would leave the retry schedule hardly any room for a consumer outage.
 */
export const MESSAGE_RETENTION_S = 14 * 86_400;
