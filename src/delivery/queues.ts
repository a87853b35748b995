/** @module delivery/queues Queue names as wrangler.toml declares them (the entry module may export only handlers). */
export const DELIVERY_QUEUE = "lifecycle-deliveries";
export const DEAD_LETTER_QUEUE = "lifecycle-dead-letters";
export const OPS_QUEUE = "lifecycle-ops-events";

/**
 * Message retention both queues are created with (README, Deploy: `--message-retention-period-secs`):
 * 14 days, the Queues maximum. A delivery's whole retry schedule must fit inside it.
 */
export const QUEUE_RETENTION_S = 14 * 86_400;
