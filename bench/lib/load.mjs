/**
 * @module bench/lib/load
 * Closed-loop load driver: a fixed number of requests in flight over keep-alive connections,
 * per-request latency from send to last body byte. Requests are signed in chunks outside the
 * timed sections (see plan.mjs), so the clock only covers HTTP round trips.
 */
import { Pool } from "undici";
import { workerdCpuMs } from "./cpu.mjs";

/**
 * @typedef {import("./plan.mjs").Call} Call
 * @typedef {import("./plan.mjs").HttpRequest} HttpRequest
 * @typedef {(status: number, body: string) => { ok: boolean, label: string }} Classifier
 * @typedef {{
 *   requests: number, errors: number, seconds: number, rps: number, p50: number, p99: number,
 *   labels: Map<string, number>, errorSamples: string[], connections: number, chunks: number,
 *   cpuMsPerRequest: number | null
 * }} PhaseResult
 */

/**
 * A keep-alive pool with one connection per in-flight request. Counts connects so that dropped
 * keep-alive connections (which silently add TCP setup to every request) show up in the report.
 * @param {string} origin @param {number} concurrency
 */
export function createClient(origin, concurrency) {
  const pool = new Pool(origin, {
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const counter = { connects: 0 };
  pool.on("connect", () => {
    counter.connects += 1;
  });
  return { pool, counter };
}

/**
 * Sends one pre-signed chunk with `concurrency` requests in flight.
 * @param {Pool} pool @param {HttpRequest[]} requests @param {number} concurrency @param {Classifier} classify
 * @param {Float64Array} latencies filled from `offset` on
 * @param {number} offset
 * @param {Map<string, number>} labels
 * @param {string[]} errorSamples
 * @returns {Promise<{ ns: bigint, errors: number }>}
 */
async function runChunk(pool, requests, concurrency, classify, latencies, offset, labels, errorSamples) {
  let next = 0;
  let errors = 0;
  const worker = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const req = /** @type {HttpRequest} */ (requests[i]);
      const t0 = process.hrtime.bigint();
      let verdict;
      try {
        const res = await pool.request({ method: req.method, path: req.path, headers: req.headers, body: req.body });
        const text = await res.body.text();
        verdict = classify(res.statusCode, text);
        if (!verdict.ok && errorSamples.length < 5) errorSamples.push(`${res.statusCode} ${text.slice(0, 200)}`);
      } catch (err) {
        const e = /** @type {{ code?: string, name?: string, message?: string }} */ (err);
        verdict = { ok: false, label: `network ${e.code ?? e.name ?? "error"}` };
        if (errorSamples.length < 5) errorSamples.push(`${verdict.label}: ${e.message ?? ""}`);
      }
      latencies[offset + i] = Number(process.hrtime.bigint() - t0) / 1e6;
      labels.set(verdict.label, (labels.get(verdict.label) ?? 0) + 1);
      if (!verdict.ok) errors += 1;
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return { ns: process.hrtime.bigint() - t0, errors };
}

/** Nearest-rank percentile of an ascending array. @param {Float64Array} sorted @param {number} p */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return /** @type {number} */ (sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]);
}

/**
 * Runs a whole phase. Chunks are sized so one chunk lasts about `chunkSeconds` at the rate seen
 * so far: a slow Worker must not receive V2 timestamps older than the 60 s tolerance.
 * @param {{
 *   pool: Pool, counter: { connects: number }, calls: Call[], sign: (c: Call) => HttpRequest,
 *   classify: Classifier, concurrency: number, chunkMax: number, chunkSeconds: number,
 *   rateHint: number
 * }} o
 * @returns {Promise<PhaseResult>}
 */
export async function runPhase(o) {
  const latencies = new Float64Array(o.calls.length);
  /** @type {Map<string, number>} */
  const labels = new Map();
  /** @type {string[]} */
  const errorSamples = [];
  const connectsBefore = o.counter.connects;
  let rate = o.rateHint;
  let ns = 0n;
  let errors = 0;
  let chunks = 0;
  /** @type {number | null} */
  let cpuMs = 0;
  for (let done = 0; done < o.calls.length;) {
    const size = Math.max(50, Math.min(o.chunkMax, Math.floor(rate * o.chunkSeconds), o.calls.length - done));
    const requests = o.calls.slice(done, done + size).map(o.sign);
    const cpuBefore = workerdCpuMs();
    const r = await runChunk(o.pool, requests, o.concurrency, o.classify, latencies, done, labels, errorSamples);
    const cpuAfter = workerdCpuMs();
    cpuMs = cpuMs === null || cpuBefore === null || cpuAfter === null ? null : cpuMs + (cpuAfter - cpuBefore);
    ns += r.ns;
    errors += r.errors;
    chunks += 1;
    done += requests.length;
    rate = requests.length / (Number(r.ns) / 1e9);
  }
  const seconds = Number(ns) / 1e9;
  latencies.sort();
  return {
    requests: o.calls.length,
    errors,
    seconds,
    rps: o.calls.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    labels,
    errorSamples,
    connections: o.counter.connects - connectsBefore,
    chunks,
    cpuMsPerRequest: cpuMs === null ? null : cpuMs / o.calls.length,
  };
}
