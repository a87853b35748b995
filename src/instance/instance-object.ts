import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../bindings";
export class InstanceObject extends DurableObject<Bindings> {
  async hello() { return "hi"; }
}
