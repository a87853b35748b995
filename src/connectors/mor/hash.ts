/**
 * @module connectors/mor/hash
 * Kolmisoft MOR API hash (docs/mor.md §C.3): lower-hex SHA-1 of the hash-included parameter values, in
 * the order the method's wiki page lists them, with the API secret appended. No separators, no
 * names; the values are the literal strings sent on the wire.
 */
import { sha1 } from "../../crypto/digest";
import { toHex } from "../../crypto/encoding";

export async function morHash(values: string[], secret: string): Promise<string> {
  return toHex(await sha1(values.join("") + secret));
}
