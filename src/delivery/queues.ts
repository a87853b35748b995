/** @module delivery/queues Queue names as wrangler.toml declares them (the entry module may export only handlers). */
export const DELIVERY_QUEUE = "lifecycle-deliveries";
export const DEAD_LETTER_QUEUE = "lifecycle-dead-letters";
export const OPS_QUEUE = "lifecycle-ops-events";

/**
 * Message retention both queues are created with (README, Deploy: `--message-retention-period-secs
 * 1209600`): 14 days, the Queues maximum (docs/platform.md fact 6). A delivery's whole retry
 * schedule must fit inside it; the default of 4 days would leave hardly any room for a consumer outage.
 */
export const QUEUE_RETENTION_S = 14 * 86_400;
