/**
 * @module http/json-error
 * The error dialect of the gateway's own routes (admin, health): `{"error":{"code","message"}}`.
 */
export function jsonError(status: number, code: string, message: string, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}
