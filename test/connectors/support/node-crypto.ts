/**
 * @module test/connectors/support/node-crypto
 * node:crypto as the independent reference implementation for connector tests. workerd provides
 * it at run time (nodejs_compat), but tsconfig does not load @types/node, so the import is
 * untyped; this file gives the few functions the tests use an explicit narrow type instead.
 * (@ts-ignore rather than @ts-expect-error so that adding @types/node later does not break it.)
 */
// @ts-ignore -- no @types/node in tsconfig "types"; resolved by workerd's nodejs_compat at run time
import * as nodeCrypto from "node:crypto";

type Data = string | Uint8Array;
interface Digestible {
  update(data: Data, encoding?: "utf8"): Digestible;
  digest(encoding: "hex" | "base64"): string;
}

const impl = nodeCrypto as {
  createHash(algorithm: "sha1" | "sha256"): Digestible;
  createHmac(algorithm: "sha256", key: Data): Digestible;
};

export const createHash = (algorithm: "sha1" | "sha256"): Digestible => impl.createHash(algorithm);
export const createHmac = (algorithm: "sha256", key: Data): Digestible => impl.createHmac(algorithm, key);
