/**
 * @module tools/fuzz/send
 * Sends fuzz requests over a few keep-alive connections (node:http with a keep-alive agent, so a
 * connection the server dropped after an answer shows up as a reset of the next request on it).
 * Request targets and header values go out as latin1 bytes, which is how invalid UTF-8 reaches
 * the server.
 */
import http from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** The body as sent before content coding (the fuzz asks for gzip or br now and then). @param {Buffer} body @param {unknown} coding */
function decoded(body, coding) {
  if (coding === "gzip") return gunzipSync(body);
  if (coding === "br") return brotliDecompressSync(body);
  if (coding === "deflate") return inflateSync(body);
  return body;
}

/**
 * @typedef {object} Sent
 * @property {import("./check.mjs").Answer | null} answer
 * @property {string | null} error e.g. "ECONNRESET", "timeout"
 * @property {boolean} reset the connection was reset or closed under the request
 * @property {string | null} previous `family/kind` of the request answered before on the same connection
 */

const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "ERR_STREAM_PREMATURE_CLOSE"]);

/**
 * @param {string} origin e.g. http://127.0.0.1:8787
 * @param {{ connections?: number, timeoutMs?: number }} [options]
 */
export function createSender(origin, { connections = 4, timeoutMs = 30_000 } = {}) {
  const { hostname, port } = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: "fifo" });
  /** @type {WeakMap<import("node:net").Socket, string>} */
  const lastOnSocket = new WeakMap();

  /**
   * @param {import("./generate.mjs").FuzzCase} c
   * @returns {Promise<Sent>}
   */
  function send(c) {
    return new Promise((resolve) => {
      let previous = /** @type {string | null} */ (null);
      let settled = false;
      /** @param {Sent} s */
      const done = (s) => {
        if (!settled) {
          settled = true;
          resolve(s);
        }
      };
      const headers = { ...c.headers, ...(c.body ? { "content-length": String(c.body.length) } : {}) };
      let req;
      try {
        req = http.request({ host: hostname, port, method: c.method, path: c.path, headers, agent });
      } catch (err) {
        // The client refused to send it (an invalid header); not the server's doing.
        done({ answer: null, error: `client: ${/** @type {Error} */ (err).message}`, reset: false, previous });
        return;
      }
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
      req.on("socket", (socket) => {
        previous = lastOnSocket.get(socket) ?? null;
      });
      req.on("response", (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => {
          if (req.socket) lastOnSocket.set(req.socket, `${c.family}/${c.kind}`);
          let body;
          try {
            body = decoded(Buffer.concat(chunks), res.headers["content-encoding"]);
          } catch {
            body = Buffer.from(`(undecodable ${res.headers["content-encoding"]} body)`);
          }
          done({ answer: { status: res.statusCode ?? 0, headers: res.headers, body }, error: null, reset: false, previous });
        });
        res.on("error", (err) => done({ answer: null, error: /** @type {any} */ (err).code ?? err.message, reset: true, previous }));
      });
      req.on("error", (err) => {
        const code = /** @type {any} */ (err).code ?? err.message;
        done({ answer: null, error: code, reset: RESET_CODES.has(code) || /socket hang up|other side closed/i.test(err.message), previous });
      });
      req.end(c.body ?? undefined);
    });
  }

  return { send, close: () => agent.destroy() };
}

/**
 * Runs `work` over `items` with at most `limit` in flight.
 * @template T
 * @param {Iterable<T>} items @param {number} limit @param {(item: T) => Promise<void>} work
 */
export async function pool(items, limit, work) {
  const iterator = items[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await work(next.value);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
