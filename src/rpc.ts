/**
 * @module rpc
 * The Durable Objects' methods as their callers see them. workerd hands an RPC result over by
 * structured clone, and workers-types describes that copy with `Rpc.Result`, which turns every
 * `unknown`-typed field (the JSON payloads the objects keep) into `never`. Every value our objects
 * return is plain JSON-shaped data that survives the clone unchanged, so each object's helper
 * (`instanceObject`, `connectorGate`, `opsOutbox`, `operationsIndex`, and the KooDrive session) states
 * the class's own method types once, through {@link rpcClient}, and no call site casts a result.
 */

/** The public methods of a Durable Object class, each returning a promise of its own result. */
export type RpcClient<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

export function rpcClient<T extends Rpc.DurableObjectBranded | undefined>(namespace: DurableObjectNamespace<T>, name: string): RpcClient<T> {
  return namespace.getByName(name) as unknown as RpcClient<T>;
}
