import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../bindings";
export class KooDriveSessionObject extends DurableObject<Bindings> {}
