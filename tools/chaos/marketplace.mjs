/**
 * @module tools/chaos/marketplace
 * Plays the marketplaces of a chaos run: one task per instance walks its lifecycle, sends each
 * step 1 to 3 times (together or a little apart), retries a step whose copies all failed the way
 * a marketplace does (freshly signed, with backoff, for as long as the gateway may be down), and
 * sends the planned late duplicates alongside later steps. A step goes out only after the
 * previous one was acknowledged, and every request is awaited: nothing of an earlier step is
 * left in flight when the next one starts, except the late duplicates the plan puts there.
 */
import { verifyBodySign } from "../lib/koogallery-signer.mjs";
import { judgeAnswer, lateCopy, stepCall } from "./calls.mjs";

/**
 * @typedef {object} CallRecord
 * @property {string} label        instance label
 * @property {number} step
 * @property {"first"|"copy"|"retry"|"late"} kind
 * @property {boolean} [stale]     a late copy only the stale-call rule keeps harmless
 * @property {number} sentAt       epoch ms
 * @property {number} answeredAt
 * @property {number|null} status
 * @property {string|null} code
 * @property {boolean} ok
 * @property {boolean} serverError
 * @property {boolean|null} signed
 * @property {string} [error]
 *
 * @typedef {object} InstanceRun
 * @property {import("./workload.mjs").InstancePlan} plan
 * @property {string|null} key      instance key, once provisioning was acknowledged
 * @property {number} acknowledged  steps acknowledged
 * @property {string|null} failure  why the lifecycle stopped early
 * @property {number} lateDropped   late V2 copies that could not keep their timestamp
 */

/**
 * @typedef {object} MarketplaceOptions
 * @property {import("./calls.mjs").Target} target
 * @property {import("./workload.mjs").InstancePlan[]} plans
 * @property {number} t0                 epoch ms of the workload start
 * @property {number} callTimeoutMs      give up on one request after this (counted as no answer)
 * @property {number} stepDeadlineMs     give up on a step after this long
 * @property {number} v2WindowMs         a late V2 copy keeps its timestamp only within this
 * @property {import("./prng.mjs").Prng} prng  retry jitter
 * @property {(line: string) => void} log
 */

/**
 * @param {MarketplaceOptions} opts
 * @returns {Promise<{calls: CallRecord[], runs: InstanceRun[]}>}
 */
export async function runMarketplaces(opts) {
  /** @type {CallRecord[]} */
  const calls = [];
  const runs = await Promise.all(opts.plans.map((plan) => runInstance(plan, opts, calls)));
  return { calls, runs };
}

/**
 * @param {import("./workload.mjs").InstancePlan} plan
 * @param {MarketplaceOptions} opts
 * @param {CallRecord[]} calls
 * @returns {Promise<InstanceRun>}
 */
async function runInstance(plan, opts, calls) {
  /** @type {InstanceRun} */
  const run = { plan, key: null, acknowledged: 0, failure: null, lateDropped: 0 };
  /** @type {import("./calls.mjs").Ids} */
  const ids = {};
  /** @type {Map<number, import("./calls.mjs").SimulatedCall>} */
  const firsts = new Map();
  const rng = opts.prng.fork(plan.label);
  await sleep(opts.t0 + plan.startMs - Date.now());

  const send = async (
    /** @type {import("./calls.mjs").SimulatedCall} */ call,
    /** @type {number} */ step,
    /** @type {CallRecord["kind"]} */ kind,
    stale = false,
  ) => {
    const record = await exchange(plan, call, opts);
    const entry = { label: plan.label, step, kind, ...(stale ? { stale } : {}), ...record.meta };
    calls.push(entry);
    return { entry, body: record.body };
  };
  const lateSends = (/** @type {number} */ at, /** @type {boolean} */ stale) =>
    plan.late
      .filter((l) => l.at === at && l.stale === stale)
      .map((l) => {
        const original = firsts.get(l.of);
        const copy = original && lateCopy(plan.platform, original, { key: opts.target.key, nowMs: Date.now(), v2WindowMs: opts.v2WindowMs });
        if (!copy) {
          run.lateDropped += 1;
          return Promise.resolve();
        }
        return send(copy, l.of, "late", l.stale);
      });

  for (const step of plan.steps) {
    await sleep(step.thinkMs);
    const late = lateSends(step.n, false);
    const deadline = Date.now() + opts.stepDeadlineMs;
    const first = stepCall(opts.target, plan, step, ids);
    firsts.set(step.n, first);
    /** @type {unknown} */
    let acceptedBody = null;
    const copies = [];
    for (let c = 0; c < step.copies; c++) {
      const attempt = async () => {
        const { entry, body } = await send(c === 0 ? first : stepCall(opts.target, plan, step, ids), step.n, c === 0 ? "first" : "copy");
        if (entry.ok && acceptedBody === null) acceptedBody = body;
      };
      if (step.concurrent || c === 0) copies.push(attempt());
      else {
        await Promise.all(copies);
        await sleep(step.gapMs);
        copies.push(attempt());
      }
    }
    await Promise.all(copies);
    let backoff = 300;
    while (acceptedBody === null && Date.now() < deadline) {
      await sleep(backoff * (0.75 + 0.5 * rng.next()));
      backoff = Math.min(backoff * 2, 4_000);
      const { entry, body } = await send(stepCall(opts.target, plan, step, ids), step.n, "retry");
      if (entry.ok) acceptedBody = body;
    }
    await Promise.all(late);
    if (acceptedBody === null) {
      run.failure = `step ${step.n} (${step.action}) not acknowledged within ${opts.stepDeadlineMs / 1000}s`;
      opts.log(`marketplace: ${plan.label} ${run.failure}`);
      return run;
    }
    if (step.n === 0) {
      const answer = /** @type {Record<string, unknown>} */ (acceptedBody);
      if (plan.platform === "activeplatform") ids.externalId = String(answer.external_id);
      else ids.instanceId = String(answer.instanceId);
      run.key = plan.platform === "activeplatform" ? `activeplatform:${ids.externalId}` : `koogallery:${ids.instanceId}`;
    }
    run.acknowledged += 1;
    await Promise.all(lateSends(step.n, true));
  }
  await Promise.all([...lateSends(plan.steps.length, false), ...lateSends(plan.steps.length, true)]);
  return run;
}

/**
 * One request and its judged answer. Never throws.
 * @param {import("./workload.mjs").InstancePlan} plan
 * @param {import("./calls.mjs").SimulatedCall} call
 * @param {MarketplaceOptions} opts
 */
async function exchange(plan, call, opts) {
  const sentAt = Date.now();
  /** @type {number|null} */
  let status = null;
  /** @type {unknown} */
  let body = null;
  /** @type {boolean|null} */
  let signed = plan.platform === "activeplatform" ? null : false;
  let error;
  try {
    const init = {
      method: call.method,
      headers: call.headers,
      signal: AbortSignal.timeout(opts.callTimeoutMs),
      ...(call.body !== null ? { body: call.body } : {}),
    };
    const response = await fetch(call.url, init);
    const text = await response.text();
    status = response.status;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    if (plan.platform !== "activeplatform") signed = verifyBodySign(opts.target.key, text, response.headers.get("Body-Sign"));
  } catch (err) {
    const cause = /** @type {{cause?: {code?: string}}} */ (err).cause;
    error = cause?.code ?? (err instanceof Error ? err.name : String(err));
  }
  const judged = judgeAnswer(plan.platform, status, body, signed);
  return { body, meta: { sentAt, answeredAt: Date.now(), status, signed, ...judged, ...(error ? { error } : {}) } };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
