/**
 * @module tools/chaos/run
 * One chaos run, end to end: mock partners over HTTP, the gateway under `wrangler dev` with its
 * local state persisted in a temporary directory kept across restarts, the generated workload
 * played by the marketplaces while the fault timeline runs and MOR subscriptions are edited behind
 * the gateway's back (drift.mjs), then faults lifted, deliveries drained (polled through the admin
 * API), reconciliation sweeps until MOR agrees, and the verdict.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SPEC_TEST_KEY } from "../lib/koogallery-signer.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";
import { startMocks } from "../mocks/index.mjs";
import { DEFAULT_AP_GUID, DEFAULT_RESELLER_ID } from "../simulate/calls.mjs";
import { judgeRun } from "./check.mjs";
import { driftEditor, driftTimeline, playDrift, sweepRound, totalOf } from "./drift.mjs";
import { NO_FAULTS_PATCH, faultTimeline, playTimeline } from "./faults.mjs";
import { runMarketplaces } from "./marketplace.mjs";
import { createPrng } from "./prng.mjs";
import { generateWorkload } from "./workload.mjs";

const ADMIN_TOKEN = "chaos-admin-token";
const PATH_SECRET = "chaos-path-secret-0123456789abcdef";
/** The gateway's default KOOGALLERY_TIMESTAMP_TOLERANCE_S, less a margin for the trip. */
const V2_WINDOW_MS = 50_000;

/**
 * @typedef {object} ChaosOptions
 * @property {string} seed
 * @property {import("./presets.mjs").Preset} preset
 * @property {boolean} [staleDuplicates] also send late copies only the stale-call rule keeps harmless
 * @property {boolean} [keep]            keep the work directory (state, gateway and partner logs)
 * @property {(line: string) => void} [log] progress lines
 */

/**
 * @typedef {object} ChaosResult
 * @property {boolean} ok
 * @property {string} seed
 * @property {string} preset
 * @property {number} scale
 * @property {import("./check.mjs").Verdict} verdict
 * @property {{count: number, downtimesMs: number[]}} restarts
 * @property {{workloadMs: number, drainMs: number, reconcileMs: number, totalMs: number}} durations
 * @property {boolean} drained      every delivery settled before the drain timeout
 * @property {string|null} workDir  kept only with `keep`
 */

/**
 * @param {ChaosOptions} options
 * @returns {Promise<ChaosResult>}
 */
export async function runChaos(options) {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const preset = options.preset;
  const prng = createPrng(options.seed);
  const workDir = mkdtempSync(join(tmpdir(), "chaos-"));
  /** @type {string[]} */
  const gatewayLog = [];
  /** @type {string[]} */
  const partnerLog = [];
  const mocks = await startMocks({ portBase: 0, log: (line) => partnerLog.push(line), random: prng.fork("mock-faults").next });
  /** @type {import("../lib/wrangler-dev.mjs").DevServer|undefined} */
  let gateway;
  let keepDir = options.keep ?? false;
  const writeLogs = () => {
    writeFileSync(join(workDir, "gateway.log"), `${gatewayLog.join("\n")}\n`);
    writeFileSync(join(workDir, "partners.log"), `${partnerLog.join("\n")}\n`);
  };
  try {
    log(`work dir ${workDir}; starting the gateway (wrangler dev, RETRY_DELAY_SCALE=${preset.scale})`);
    gateway = await startWranglerDev({
      persistTo: join(workDir, "state"),
      vars: {
        ...mocks.gatewayVars,
        KOOGALLERY_ACCESS_KEY: SPEC_TEST_KEY,
        ACTIVEPLATFORM_PATH_SECRET: PATH_SECRET,
        ADMIN_TOKEN,
        RETRY_DELAY_SCALE: String(preset.scale),
        MOR_DELETE_ACTION: "1",
        RECONCILE_REPAIR: "true",
      },
      onLog: (line) => gatewayLog.push(line),
      readyTimeoutMs: 120_000,
    });
    const plans = generateWorkload(prng.fork("workload"), {
      instances: preset.instances,
      spreadMs: preset.spreadMs,
      steps: preset.steps,
      thinkMs: preset.thinkMs,
      lateRate: preset.lateRate,
      staleDuplicates: options.staleDuplicates ?? false,
      baseMs: Date.now(),
    });
    const t0 = Date.now() + 500;
    log(
      `workload: ${plans.length} instances, ${plans.reduce((n, p) => n + p.steps.length, 0)} steps, ${plans.reduce((n, p) => n + p.late.length, 0)} late duplicates planned`,
    );
    const timeline = faultTimeline({
      failRate: preset.failRate,
      slowMs: preset.slowMs,
      slowWindows: preset.slowWindows,
      outages: preset.outages,
      restartsAtMs: preset.restartsAtMs,
      restartDownMs: preset.restartDownMs,
      liftAtMs: preset.liftAtMs,
    });
    const dev = gateway;
    const reconcile = (/** @type {number} */ limit) => adminReconcile(dev.url, limit);
    const editor = driftEditor({ prng: prng.fork("drift-edits"), mor: mocks.mor });
    const [market, played, drifted] = await Promise.all([
      runMarketplaces({
        target: { url: dev.url, key: SPEC_TEST_KEY, pathSecret: PATH_SECRET, apGuid: DEFAULT_AP_GUID, resellerId: DEFAULT_RESELLER_ID },
        plans,
        t0,
        callTimeoutMs: 30_000,
        stepDeadlineMs: preset.stepDeadlineMs,
        v2WindowMs: V2_WINDOW_MS,
        prng: prng.fork("marketplace"),
        log,
      }),
      playTimeline(timeline, { t0, mocks, gateway: dev, log }),
      playDrift({ timeline: driftTimeline(prng.fork("drift"), preset.drift), t0, editor, reconcile, log }),
    ]);
    const workloadDone = Date.now();
    mocks.setFaults("all", NO_FAULTS_PATCH);
    log(`t=${((workloadDone - t0) / 1000).toFixed(1)}s workload and fault timeline done (${market.calls.length} calls); draining`);

    const keys = market.runs.map((r) => r.key).filter((k) => k !== null);
    const drain = await drainDeliveries({ url: dev.url, keys, timeoutMs: preset.drainTimeoutMs, received: mocks.received, log });
    const drainMs = Date.now() - workloadDone;
    log(`drain ${drain.settled ? "complete" : "TIMED OUT"} after ${(drainMs / 1000).toFixed(1)}s`);

    // Reconciliation: a few more edits now that nothing will overwrite them (most MOR effects of
    // the run land during the drain), MOR as it then stands, and sweeps (repair on) until MOR agrees.
    const edits = [...drifted.edits];
    for (let i = 0; i < preset.drift.afterDrain; i++) {
      const edit = editor.editOne(Date.now() - t0);
      if (!edit) break;
      edits.push(edit);
      log(`after the drain: ${edit.kind} MOR subscription ${edit.subscriptionId} ${JSON.stringify(edit.change)}`);
    }
    const morAtDrain = mocks.mor.subscriptions().map((sub) => ({ ...sub }));
    const final = await finalSweeps({ url: dev.url, keys, t0, reconcile, received: mocks.received, timeoutMs: preset.drainTimeoutMs, log });
    const views = final.views ?? drain.views;
    const deadLetters = await countDeadLetters(dev.url);
    const reconcileMs = Date.now() - workloadDone - drainMs;

    const verdict = judgeRun({
      runs: market.runs,
      views,
      received: mocks.received,
      calls: market.calls,
      downtimes: played.downtimes,
      deadLetters,
      drift: {
        edits,
        sweeps: [...drifted.sweeps, ...final.sweeps],
        morAtDrain,
        morAtEnd: mocks.mor.subscriptions().map((sub) => ({ ...sub })),
        listed: final.listed,
      },
    });
    if (!verdict.ok) keepDir = true;
    if (keepDir) {
      writeLogs();
      writeFileSync(join(workDir, "calls.json"), JSON.stringify(market.calls));
      writeFileSync(join(workDir, "views.json"), JSON.stringify(Object.fromEntries(views)));
    }
    return {
      ok: verdict.ok,
      seed: options.seed,
      preset: preset.name,
      scale: preset.scale,
      verdict,
      restarts: { count: played.downtimes.length, downtimesMs: played.downtimes.map((d) => d.readyAt - d.killedAt) },
      durations: { workloadMs: workloadDone - t0, drainMs, reconcileMs, totalMs: Date.now() - started },
      drained: drain.settled && final.settled,
      workDir: keepDir ? workDir : null,
    };
  } catch (err) {
    keepDir = true;
    writeLogs();
    throw new Error(`chaos run aborted (logs in ${workDir}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await gateway?.stop();
    await mocks.close();
    if (!keepDir) rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Polls GET /admin/instances/{key} until no delivery is pending or waiting and the partners have
 * been quiet for a moment (late answers and re-sends land), or until the timeout.
 * @param {{url: string, keys: string[], timeoutMs: number, received: {vendor: object[], koodrive: object[], mor: object[]}, log: (line: string) => void}} o
 */
async function drainDeliveries({ url, keys, timeoutMs, received, log }) {
  const until = Date.now() + timeoutMs;
  const traffic = () => received.vendor.length + received.koodrive.length + received.mor.length;
  let lastReport = 0;
  for (;;) {
    const views = await fetchViews(url, keys);
    const open = [...views.values()].flatMap((v) =>
      (v?.deliveries ?? []).filter((/** @type {{status: string}} */ d) => d.status === "pending" || d.status === "waiting"),
    );
    if (open.length === 0) {
      // Settled: wait until the partners see nothing new for a few seconds.
      let before = traffic();
      let quietSince = Date.now();
      while (Date.now() - quietSince < 4_000 && Date.now() < until) {
        await sleep(500);
        if (traffic() !== before) {
          before = traffic();
          quietSince = Date.now();
        }
      }
      return { settled: true, views: await fetchViews(url, keys) };
    }
    if (Date.now() >= until) return { settled: false, views };
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`drain: ${open.length} deliveries still open`);
    }
    await sleep(2_000);
  }
}

/**
 * Sweeps after the drain: one walk to finish any walk the run left half done, then whole walks,
 * each followed by a drain of the repairs it queued, until a walk finds every instance in
 * agreement (earlier drifts resolved on the way). Then the operational events of those sweeps
 * reach the mock vendor's /ops, and GET /admin/drift is read.
 * @param {{url: string, keys: string[], t0: number, reconcile: (limit: number) => Promise<any>, received: {vendor: any[], koodrive: any[], mor: any[]}, timeoutMs: number, log: (line: string) => void}} o
 */
async function finalSweeps({ url, keys, t0, reconcile, received, timeoutMs, log }) {
  /** @type {import("./drift.mjs").SweepRecord[]} */
  const sweeps = [...(await sweepRound({ phase: "final", t0, reconcile, maxCalls: 10 }))];
  const first = totalOf(sweeps);
  log(
    `final sweep 0 (ends the walk in progress): checked ${first.checked}, drifted ${first.drifted}, repairs queued ${first.repaired}, resolved ${first.resolved}, skipped ${first.skipped}, errors ${first.errors}`,
  );
  /** @type {Map<string, any>|null} */
  let views = null;
  let settled = true;
  for (let walk = 1; walk <= 5; walk++) {
    const round = await sweepRound({ phase: "final", t0, reconcile, maxCalls: 10 });
    sweeps.push(...round);
    const s = totalOf(round);
    log(
      `final sweep ${walk}: checked ${s.checked}, drifted ${s.drifted}, repairs queued ${s.repaired}, resolved ${s.resolved}, skipped ${s.skipped}, errors ${s.errors}`,
    );
    const complete = round.at(-1)?.summary?.done === true;
    if (complete && s.drifted === 0 && s.skipped === 0 && s.errors === 0) break;
    const drained = await drainDeliveries({ url, keys, timeoutMs, received, log });
    settled &&= drained.settled;
    views = drained.views;
  }
  // drift_detected / drift_repaired travel through the ops outbox: wait until every detected
  // drift has its repaired event at /ops, or the partners are quiet for a while.
  const ops = () => received.vendor.filter((r) => r.path.startsWith("/ops") && r.ok);
  const until = Date.now() + 60_000;
  for (let quiet = 0, last = -1; Date.now() < until && quiet < 8;) {
    const types = new Map();
    for (const r of ops()) {
      try {
        const e = JSON.parse(r.body);
        types.set(e.id, e.type);
      } catch {
        /* not JSON */
      }
    }
    const detected = [...types.values()].filter((t) => t === "instance.drift_detected").length;
    const repaired = [...types.values()].filter((t) => t === "instance.drift_repaired").length;
    if (detected === repaired && ops().length === last) quiet++;
    else quiet = 0;
    last = ops().length;
    await sleep(500);
  }
  // The drift list is a projection (written after the instance's own record): read it until it
  // is empty or stops changing.
  let listed = await listDrift(url);
  for (let i = 0; i < 20 && listed.length > 0; i++) {
    await sleep(1_000);
    listed = await listDrift(url);
  }
  return { sweeps, views: views ?? (await fetchViews(url, keys)), listed, settled };
}

/** GET /admin/drift, every page. @param {string} url @returns {Promise<Array<Record<string, unknown>>>} */
async function listDrift(url) {
  const items = [];
  /** @type {string|null} */
  let cursor = null;
  for (let page = 0; page < 100; page++) {
    const body = /** @type {{items: Array<Record<string, unknown>>, cursor: string|null}|null} */ (
      await adminGet(url, `/admin/drift?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
    );
    if (!body) break;
    items.push(...body.items);
    cursor = body.cursor;
    if (!cursor) break;
  }
  return items;
}

/**
 * One POST /admin/reconcile; null when the gateway does not answer 200 (down, restarting).
 * @param {string} url
 * @param {number} limit
 * @returns {Promise<import("./drift.mjs").SweepRecord["summary"]>}
 */
async function adminReconcile(url, limit) {
  try {
    const res = await fetch(`${url}/admin/reconcile`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ limit }),
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) return null;
    return /** @type {import("./drift.mjs").SweepRecord["summary"]} */ (await res.json());
  } catch {
    return null;
  }
}

/** @param {string} url @param {string[]} keys @returns {Promise<Map<string, any>>} */
async function fetchViews(url, keys) {
  const views = new Map();
  for (let i = 0; i < keys.length; i += 8) {
    const batch = keys.slice(i, i + 8);
    const got = await Promise.all(batch.map((key) => adminGet(url, `/admin/instances/${encodeURIComponent(key)}?limit=200`)));
    batch.forEach((key, j) => views.set(key, got[j]));
  }
  return views;
}

/** @param {string} url */
async function countDeadLetters(url) {
  let count = 0;
  /** @type {string|null} */
  let cursor = null;
  for (let page = 0; page < 100; page++) {
    const body = /** @type {{items: unknown[], cursor: string|null}|null} */ (
      await adminGet(url, `/admin/dead-letters?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
    );
    if (!body) break;
    count += body.items.length;
    cursor = body.cursor;
    if (!cursor) break;
  }
  return count;
}

/** GET an admin path; null on 404, a few retries on anything else. @param {string} url @param {string} path */
async function adminGet(url, path) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(15_000) });
      if (res.status === 404) return null;
      if (res.ok) return await res.json();
      if (attempt >= 5) throw new Error(`admin ${path} answered ${res.status}`);
    } catch (err) {
      if (attempt >= 5) throw err;
    }
    await sleep(500 * attempt);
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
