/**
 * @module instance/stub
 * The one way to reach an instance's Durable Object: by its key (`koogallery:…`,
 * `activeplatform:…`, `activeplatform-user:…`). Call sites never repeat `getByName`, and read typed results (see `rpc.ts`).
 */
import type { Bindings } from "../bindings";
import { rpcClient } from "../rpc";

export const instanceObject = (env: Bindings, key: string) => rpcClient(env.INSTANCES, key);
