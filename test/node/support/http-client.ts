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
  /**
   * Send the first part of the body, wait this long, then the rest: a body still arriving when
   * the Worker answers, as over any real network.
   */
  trickleMs?: number;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A request's connection: which request it carried before this one, if any. */
export interface Carried {
  previous: string | null;
}

const lastOnSocket = new WeakMap<object, string>();

const CHUNK = 8 * 1024;

/**
 * One request on `agent` (a keep-alive agent reuses its sockets; `false` opens one for this
 * request only). Rejects on a connection error or after `timeoutMs`. `carried.previous` is set
 * to the label of the request the same connection carried before, so that a broken connection
 * can be blamed on what broke it.
 */
export function send(base: URL, agent: http.Agent | false, shot: Shot, label = "", carried: Carried = { previous: null }, timeoutMs = 20_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...shot.headers };
    const body = shot.body ?? null;
    if (body !== null && !shot.chunked) headers["content-length"] = String(Buffer.byteLength(body));
    if (body !== null && shot.chunked) headers["transfer-encoding"] = "chunked";
    const req = http.request({ host: base.hostname, port: base.port, method: shot.method, path: shot.path, headers, agent });
    req.on("socket", (socket) => {
      carried.previous = lastOnSocket.get(socket) ?? null;
      lastOnSocket.set(socket, label);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    if (body === null) return void req.end();
    const bytes = Buffer.from(body);
    const rest = (from: number) => {
      for (let at = from; at < bytes.length; at += CHUNK) req.write(bytes.subarray(at, at + CHUNK));
      req.end();
    };
    if (!shot.trickleMs) return void rest(0);
    const first = Math.min(CHUNK, bytes.length >> 1);
    req.write(bytes.subarray(0, first));
    setTimeout(() => rest(first), shot.trickleMs);
  });
}
