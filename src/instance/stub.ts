/**
 * @module instance/stub
 * The one way to reach an instance's Durable Object: by its key (`koogallery:…`,
 * `activeplatform:…`, `activeplatform-user:…`). Call sites never repeat `idFromName` + `get`.
 */
import type { Bindings } from "../bindings";

export function instanceObject(env: Bindings, key: string) {
  return env.INSTANCES.get(env.INSTANCES.idFromName(key));
}
