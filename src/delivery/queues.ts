/** @module delivery/queues Queue names as wrangler.toml declares them (the entry module may export only handlers). */
export const DELIVERY_QUEUE = "lifecycle-deliveries";
export const DEAD_LETTER_QUEUE = "lifecycle-dead-letters";
