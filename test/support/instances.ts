/** Reads an instance's Durable Object directly, to assert on state rather than on answers alone. */
import { env } from "cloudflare:workers";
import type { InstanceDetails } from "../../src/instance/instance-object";

export async function details(key: string): Promise<InstanceDetails | null> {
  return (await env.INSTANCES.get(env.INSTANCES.idFromName(key)).details()) as InstanceDetails | null;
}
