/**
 * @module instance/keys
 * The names the gateway gives what it stores: the key of each Durable Object it addresses by
 * name, and the id of each delivery. Everything that accepts such a name back (the admin API's
 * paths, queries and response schemas) is derived from here, so that it accepts every name the
 * product makes.
 */

/**
 * The kinds of object, each the prefix of its keys (docs/contract.md "Instance keys"):
 * `koogallery:{instanceId}`, `activeplatform:{external_id}`, and ActivePlatform users, which
 * live in a key space of their own so that a user id can never name a subscription.
 */
export const INSTANCE_KEY_KINDS = ["koogallery", "activeplatform", "activeplatform-user"] as const;
export type InstanceKeyKind = (typeof INSTANCE_KEY_KINDS)[number];

export const instanceKeyOf = (kind: InstanceKeyKind, id: string): string => `${kind}:${id}`;

/** Stable across retries and replays; partners get it as the idempotency key. */
export const newDeliveryId = (): string => `dlv_${crypto.randomUUID().replaceAll("-", "")}`;
