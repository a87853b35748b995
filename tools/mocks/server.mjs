/**
 * @module tools/mocks/server
 * One HTTP server around a partner handler: buffers the body, applies injected faults, records
 * every request for in-process callers and prints one log line per request. Handlers are plain
 * async functions from a parsed request to a {@link Reply}, so partner logic never touches sockets.
 */
import http from "node:http";
import { isSlow, patchFaults, pickFault } from "./faults.mjs";

/** Anything larger is not a plausible partner call. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The runtime fault switch of every mock server: `GET` shows the settings, `POST` a JSON object
 * changes some of them (see {@link patchFaults}), `DELETE` restores the ones the server started
 * with. Never faulted, never recorded, so a harness can lift faults while the partner is "down".
 */
export const CONTROL_PATH = "/__mock/faults";

/**
 * @typedef {import("./reply.mjs").MockRequest} MockRequest
 * @typedef {import("./reply.mjs").Reply} Reply
 *
 * @typedef {object} Received one request as the server saw and answered it
 * @property {string} at        ISO time
 * @property {string} method
 * @property {string} path
 * @property {string} query
 * @property {Record<string, string>} headers
 * @property {string} body
 * @property {number} status
 * @property {boolean} ok
 * @property {string} verdict
 * @property {boolean} injected  refused by an injected fault
 * @property {boolean} slow      answered late on purpose
 * @property {Record<string, unknown>} fields
 * @property {string[]} warnings
 * @property {string} response   the answer's body
 */

/**
 * @param {object} opts
 * @param {string} opts.name            label in logs and records
 * @param {string} opts.host
 * @param {number} opts.port            0 = any free port
 * @param {(req: MockRequest) => Promise<Reply>|Reply} opts.handler
 * @param {import("./faults.mjs").Faults} opts.faults
 * @param {{now: () => number, random: () => number}} opts.clock
 * @param {((line: string) => void)|undefined} opts.log
 * @param {Received[]} opts.received    every request is pushed here
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>, faults: () => import("./faults.mjs").Faults, setFaults: (patch: Record<string, unknown>) => import("./faults.mjs").Faults, resetFaults: () => void}>}
 */
export async function startServer({ name, host, port, handler, faults: initialFaults, clock, log, received }) {
  const startedAt = clock.now();
  let faults = initialFaults;
  const setFaults = (/** @type {Record<string, unknown>} */ patch) => (faults = patchFaults(faults, patch, clock.now()));
  const resetFaults = () => {
    faults = initialFaults;
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function serve(req, res) {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    if ((q < 0 ? url : url.slice(0, q)) === CONTROL_PATH) return control(req, res);
    /** @type {Reply} */
    let reply;
    /** @type {Buffer} */
    let bodyBytes = Buffer.alloc(0);
    let injected = false;
    let slowMs = 0;
    try {
      bodyBytes = await readBody(req);
      const f = faults;
      if (f.latencyMs > 0) await sleep(f.latencyMs);
      const now = clock.now();
      const fault = pickFault(f, { elapsedMs: now - startedAt, nowMs: now, random: clock.random });
      if (fault) {
        injected = true;
        reply = {
          status: fault.status,
          headers: { "content-type": "text/plain; charset=utf-8", ...(fault.retryAfterS !== undefined ? { "retry-after": String(fault.retryAfterS) } : {}) },
          body: `mock ${name}: injected fault: ${fault.reason}\n`,
          verdict: `injected: ${fault.reason}`,
          ok: false,
        };
      } else {
        reply = await handler({
          method: req.method ?? "GET",
          path: q < 0 ? url : url.slice(0, q),
          rawQuery: q < 0 ? "" : url.slice(q + 1),
          headers: flattenHeaders(req.headers),
          bodyBytes,
          body: bodyBytes.toString("utf8"),
          now,
        });
        if (isSlow(f, clock.random)) slowMs = f.slowMs;
      }
    } catch (err) {
      const tooLarge = err instanceof BodyTooLarge;
      reply = {
        status: tooLarge ? 413 : 500,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: tooLarge ? "body too large\n" : "mock internal error\n",
        verdict: tooLarge ? "rejected: body too large" : `mock bug: ${err instanceof Error ? err.message : String(err)}`,
        ok: false,
      };
    }
    /** @type {Received} */
    const entry = {
      at: new Date(clock.now()).toISOString(),
      method: req.method ?? "GET",
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? "" : url.slice(q + 1),
      headers: flattenHeaders(req.headers),
      body: bodyBytes.toString("utf8"),
      status: reply.status,
      ok: reply.ok ?? (reply.status >= 200 && reply.status < 300),
      verdict: reply.verdict,
      injected,
      slow: slowMs > 0,
      fields: reply.fields ?? {},
      warnings: reply.warnings ?? [],
      response: reply.body,
    };
    received.push(entry);
    log?.(formatLine(name, entry));
    // The work is done and recorded; only the answer is late (the caller may have given up).
    if (slowMs > 0) await sleep(slowMs);
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(reply.status, { ...(reply.headers ?? {}), "content-length": Buffer.byteLength(reply.body) });
      res.end(reply.body);
    }
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function control(req, res) {
    let status = 200;
    /** @type {unknown} */
    let answer;
    try {
      if (req.method === "POST" || req.method === "PUT") {
        const patch = JSON.parse((await readBody(req)).toString("utf8") || "{}");
        if (!patch || typeof patch !== "object" || Array.isArray(patch)) throw new RangeError("body must be a JSON object");
        setFaults(patch);
      } else if (req.method === "DELETE") {
        resetFaults();
      } else if (req.method !== "GET") {
        throw new RangeError("GET, POST or DELETE");
      }
      answer = { faults };
      log?.(`${new Date(clock.now()).toISOString()} [${name}] ${req.method} ${CONTROL_PATH} -> faults ${JSON.stringify(faults)}`);
    } catch (err) {
      status = 400;
      answer = { error: err instanceof Error ? err.message : String(err) };
    }
    const body = JSON.stringify(answer);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  const server = http.createServer((req, res) => void serve(req, res));
  await new Promise((resolve, reject) => {
    server.once("error", (err) => {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      reject(code === "EADDRINUSE" ? new Error(`${name} mock: port ${port} on ${host} is already in use`) : err);
    });
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    faults: () => faults,
    setFaults,
    resetFaults,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        // Keep-alive sockets from fetch clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

class BodyTooLarge extends Error {}

/** @param {http.IncomingMessage} req @returns {Promise<Buffer>} */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** @param {http.IncomingHttpHeaders} h @returns {Record<string, string>} */
function flattenHeaders(h) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `2026-11-22T12:00:00.000Z [mor] POST /billing/api/subscription_update -> 200 ok ... key=value`
 * @param {string} name
 * @param {{at: string, method: string, path: string, status: number, verdict: string, fields: Record<string, unknown>, warnings: string[], slow?: boolean}} e
 * @returns {string}
 */
function formatLine(name, e) {
  const fields = Object.entries(e.fields)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${quote(String(v))}`)
    .join(" ");
  const warnings = e.warnings.map((w) => ` [warning: ${w}]`).join("");
  const late = e.slow ? " [answer held back]" : "";
  return `${e.at} [${name}] ${e.method} ${e.path} -> ${e.status} ${e.verdict}${fields ? ` ${fields}` : ""}${late}${warnings}`;
}

/** @param {string} s */
const quote = (s) => (/^[^\s"]*$/.test(s) ? s : JSON.stringify(s));
