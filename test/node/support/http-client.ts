/**
 * A bare node:http client for tests that must see what a marketplace's HTTP stack sees: kept-alive
 * connections reused by later requests, bodies on any method (GET and DELETE included), chunked
 * bodies without a length, and connection errors as errors rather than retried away.
 */
import http from "node:http";

export interface Shot {
  method: string;
  /** Path and query, e.g. `/koogallery?authToken=…`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | null;
  /** Send the body in pieces with `Transfer-Encoding: chunked` and no Content-Length. */
  chunked?: boolean;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const CHUNK = 8 * 1024;

/**
 * One request on `agent` (a keep-alive agent reuses its sockets; `false` opens one for this
 * request only). Rejects on a connection error or after `timeoutMs`.
 */
export function send(base: URL, agent: http.Agent | false, shot: Shot, timeoutMs = 20_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...shot.headers };
    const body = shot.body ?? null;
    if (body !== null && !shot.chunked) headers["content-length"] = String(Buffer.byteLength(body));
    if (body !== null && shot.chunked) headers["transfer-encoding"] = "chunked";
    const req = http.request({ host: base.hostname, port: base.port, method: shot.method, path: shot.path, headers, agent });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    if (body === null) return void req.end();
    if (!shot.chunked) return void req.end(body);
    const bytes = Buffer.from(body);
    for (let at = 0; at < bytes.length; at += CHUNK) req.write(bytes.subarray(at, at + CHUNK));
    req.end();
  });
}
