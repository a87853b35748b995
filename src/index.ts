/**
 * @module index
 * The Worker: HTTP for marketplaces, operators and health; the queue consumers that deliver
 * lifecycle events downstream. Durable Object classes are exported from here for wrangler.
 */
import type { Bindings } from "./bindings";
import { router } from "./http/router";

export { InstanceObject } from "./instance/instance-object";
export { KooDriveSessionObject } from "./connectors/koodrive/session-object";

// `satisfies` keeps fetch/queue callable in tests without asserting they are defined.
export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
  async queue(batch) {
    batch.retryAll();
  },
} satisfies ExportedHandler<Bindings>;
