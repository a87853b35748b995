export { InstanceObject } from "./instance/instance-object";
export { KooDriveSessionObject } from "./connectors/koodrive/session-object";
import type { Bindings } from "./bindings";
export default {
  async fetch() { return new Response("ok"); },
  async queue(batch: MessageBatch) { batch.ackAll(); },
} satisfies ExportedHandler<Bindings>;
