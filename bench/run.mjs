/**
 * @module bench/run
 * `npm run bench`: three Workers under `wrangler dev` (local mode, as `npm start` runs the
 * gateway), one after another, all driven with the same signed KooGallery calls:
 *   (a) bare Worker: reads the body, answers 200;
 *   (b) minimal DO Worker: one SQLite row in a per-instance Durable Object;
 *   (c) the gateway, from wrangler.toml, with KooGallery configured and no connector.
 * Regimes: warm (few instances, repeated events) and cold (every instance touched once).
 * Prints throughput, p50, p99 and the ratios the issue sets targets for; writes the same as
 * markdown to bench/results/latest.md.
 *
 * Sizes: BENCH_WARM_REQUESTS (4000), BENCH_WARM_INSTANCES (100), BENCH_WARMUP_REQUESTS (400),
 * BENCH_COLD_INSTANCES (10000), BENCH_CONCURRENCY (32), BENCH_ENTITLEMENT_REQUESTS (4000). BENCH_ONLY=bare,minimal-do,gateway
 * limits the Workers; BENCH_WARM_SETUP=0 skips creating the warm instances; BENCH_STRICT=1 exits
 * non-zero when a target is missed.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coldCalls, entitlementCalls, setupCalls, signCall, warmCalls } from "./lib/plan.mjs";
import { createClient, runPhase } from "./lib/load.mjs";
import { machineInfo } from "./lib/machine.mjs";
import { machineTable, ratioTable, regimeTable } from "./lib/report.mjs";
import { BENCH_DIR, targets } from "./lib/targets.mjs";
import { startWranglerDev } from "../tools/lib/wrangler-dev.mjs";

/** @param {string} name @param {number} fallback */
function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

const cfg = {
  warmRequests: intEnv("BENCH_WARM_REQUESTS", 4000),
  warmInstances: Math.max(1, intEnv("BENCH_WARM_INSTANCES", 100)),
  warmupRequests: intEnv("BENCH_WARMUP_REQUESTS", 400),
  coldInstances: intEnv("BENCH_COLD_INSTANCES", 10000),
  concurrency: Math.max(1, intEnv("BENCH_CONCURRENCY", 32)),
  entitlementRequests: intEnv("BENCH_ENTITLEMENT_REQUESTS", 4000),
  warmSetup: process.env.BENCH_WARM_SETUP !== "0",
  only: (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
  // One chunk is signed, then sent; chunks last ~chunkSeconds so V2 stamps stay well inside 60 s.
  chunkMax: Math.max(50, intEnv("BENCH_CHUNK_MAX", 2000)),
  chunkSeconds: 20,
};

/** Codes the gateway may legitimately answer here: success, or unknown instance (cold regime). */
const GATEWAY_OK = new Set(["000000", "000003"]);

/** @param {number} status @param {string} body */
function classifyGateway(status, body) {
  let code;
  try {
    const parsed = JSON.parse(body);
    code = typeof parsed?.resultCode === "string" ? parsed.resultCode : "no-resultCode";
  } catch {
    code = "non-JSON";
  }
  return { ok: status === 200 && GATEWAY_OK.has(code), label: `${status} ${code}` };
}

/** An entitlement read must find the warm instance: 200 with its state. */
function classifyEntitlement(/** @type {number} */ status, /** @type {string} */ body) {
  let state = "non-JSON";
  try {
    state = JSON.parse(body)?.state ?? "no state";
  } catch {
    // counted under its label
  }
  return { ok: status === 200 && typeof state === "string" && state !== "no state" && state !== "non-JSON", label: `${status} ${state}` };
}

/** @param {number} status */
const classifyPlain = (status) => ({ ok: status === 200, label: String(status) });

/** Keeps the Worker's stdout/stderr out of the report but available when something fails. */
function runtimeLog() {
  /** @type {string[]} */
  const tail = [];
  /** @type {string[]} the Worker's own error reports, which the tail would scroll away */
  const failures = [];
  let lines = 0;
  return {
    onLog: (/** @type {string} */ line) => {
      lines += 1;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (/"msg":"[^"]*(failed|error)/.test(line) && failures.length < 20) failures.push(line);
    },
    summary: () => ({ lines, tail: [...tail], failures: [...failures] }),
  };
}

/**
 * Untimed: V1 newInstance for every warm instance. The gateway picks instance ids itself
 * (docs/koogallery.md §3.1), so the id it answers with is what later calls must use.
 * @returns {Promise<{ idOf: (planned: string) => string, labels: Map<string, number> }>}
 */
async function createWarmInstances(/** @type {import("undici").Pool} */ pool, /** @type {boolean} */ isGateway) {
  /** @type {Map<string, string>} */
  const ids = new Map();
  /** @type {Map<string, number>} */
  const labels = new Map();
  const calls = setupCalls(cfg.warmInstances);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < calls.length; i = next++) {
      const call = /** @type {import("./lib/plan.mjs").Call} */ (calls[i]);
      const req = signCall(call);
      let label;
      try {
        const res = await pool.request({ method: req.method, path: req.path, headers: req.headers });
        const text = await res.body.text();
        label = String(res.statusCode);
        if (isGateway) {
          try {
            const body = JSON.parse(text);
            label = `${res.statusCode} ${body.resultCode}`;
            if (typeof body.instanceId === "string" && body.instanceId) ids.set(call.instance, body.instanceId);
          } catch {
            label = `${res.statusCode} non-JSON`;
          }
        }
      } catch (err) {
        label = `network ${/** @type {{ code?: string }} */ (err).code ?? "error"}`;
      }
      labels.set(label, (labels.get(label) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, calls.length) }, worker));
  return { idOf: (planned) => ids.get(planned) ?? planned, labels };
}

/**
 * Durable Object SQLite files go to tmpfs when there is one: the files are the same, but the
 * cold regime then measures workerd rather than the block device.
 */
function ramDir() {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** @type {Array<() => Promise<void> | void>} */
const cleanups = [];
async function cleanup() {
  while (cleanups.length) {
    try {
      await cleanups.pop()?.();
    } catch {
      // best effort: a failed dispose must not hide the results
    }
  }
}
process.once("SIGINT", () => {
  void cleanup().finally(() => process.exit(130));
});

async function main() {
  const info = machineInfo();
  console.log("machine:");
  console.log(machineTable(info).text);
  console.log(`\nconfig: ${JSON.stringify({ ...cfg, only: cfg.only.join(",") || "all" })}\n`);

  const want = (/** @type {string} */ name) => cfg.only.length === 0 || cfg.only.includes(name);
  const tmp = mkdtempSync(join(tmpdir(), "lifecycle-bench-"));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));

  /** @type {string[]} */
  const problems = [];
  /** @type {string[]} */
  const notes = [];
  const persistRoot = mkdtempSync(join(ramDir(), "lifecycle-bench-do-"));
  cleanups.push(() => rmSync(persistRoot, { recursive: true, force: true }));
  const workers = targets({ persistRoot, workDir: tmp }).filter((w) => want(w.name));

  const warmupList = warmCalls(cfg.warmupRequests, cfg.warmInstances);
  const warmList = warmCalls(cfg.warmRequests, cfg.warmInstances);
  const coldList = coldCalls(cfg.coldInstances);

  /** @type {{ warm: import("./lib/report.mjs").RegimeResults, cold: import("./lib/report.mjs").RegimeResults }} */
  const results = { warm: {}, cold: {} };
  /** The vendor app's read beside the marketplace call, on the gateway's warm instances. */
  /** @type {import("./lib/report.mjs").RegimeResults} */
  const reads = {};

  for (const w of workers) {
    console.log(`\n== ${w.label}`);
    const log = runtimeLog();
    /** @type {import("../tools/lib/wrangler-dev.mjs").DevServer | undefined} */
    let dev;
    const stopDev = () => dev?.stop();
    cleanups.push(stopDev);
    try {
      dev = await startWranglerDev({ ...w.dev, onLog: log.onLog });
      const { pool, counter } = createClient(dev.url, cfg.concurrency);
      cleanups.push(() => pool.close());
      const classify = w.gateway ? classifyGateway : classifyPlain;
      let idOf = (/** @type {string} */ x) => x;
      if (cfg.warmSetup) {
        const setup = await createWarmInstances(pool, w.gateway);
        idOf = setup.idOf;
        const summary = [...setup.labels].map(([k, v]) => `${k}: ${v}`).join(", ");
        console.log(`setup (untimed, V1 newInstance x${cfg.warmInstances}): ${summary}`);
        if (w.gateway) notes.push(`gateway warm-instance setup answers: ${summary}`);
      }
      const sign = (/** @type {import("./lib/plan.mjs").Call} */ c) => signCall(c, idOf);
      const common = { pool, counter, sign, classify, concurrency: cfg.concurrency, chunkMax: cfg.chunkMax, chunkSeconds: cfg.chunkSeconds };
      let rateHint = 100;
      if (warmupList.length) {
        const r = await runPhase({ ...common, calls: warmupList, rateHint });
        rateHint = r.rps;
        console.log(`warm-up: ${r.requests} requests, ${r.errors} errors, ${r.rps.toFixed(1)} req/s (discarded)`);
      }
      for (const [regime, calls] of /** @type {const} */ ([
        ["warm", warmList],
        ["cold", coldList],
      ])) {
        if (!calls.length) continue;
        // A cold phase can be far slower than warm; start with a small chunk and adapt.
        const r = await runPhase({ ...common, calls, rateHint: regime === "cold" ? rateHint / 4 : rateHint });
        results[regime][w.name] = r;
        console.log(
          `${regime}: ${r.requests} requests, ${r.errors} errors, ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.connections} new connections, ${r.chunks} chunks`,
        );
        for (const s of r.errorSamples) console.log(`  sample error: ${s}`);
        rateHint = r.rps;
        if (regime === "warm" && w.gateway && cfg.warmSetup && cfg.entitlementRequests > 0) {
          // First every warm instance once (each read reaches its object), then the rest (mostly the edge copy).
          const all = entitlementCalls(Math.max(cfg.entitlementRequests, cfg.warmInstances), cfg.warmInstances);
          const phases = /** @type {const} */ ([
            ["first", all.slice(0, cfg.warmInstances)],
            ["repeat", all.slice(cfg.warmInstances)],
          ]);
          for (const [name, list] of phases) {
            if (!list.length) continue;
            const e = await runPhase({ ...common, calls: list, classify: classifyEntitlement, rateHint });
            reads[name] = e;
            console.log(
              `entitlements (${name}): ${e.requests} requests, ${e.errors} errors, ${e.rps.toFixed(1)} req/s, p50 ${e.p50.toFixed(2)} ms, p99 ${e.p99.toFixed(2)} ms`,
            );
            for (const s of e.errorSamples) console.log(`  sample error: ${s}`);
          }
        }
      }
      const { lines, tail, failures } = log.summary();
      const errored = [results.warm[w.name], results.cold[w.name]].some((r) => r && r.errors > 0);
      if (errored && lines > 0) console.log(`worker output (${lines} lines, last ${tail.length}):\n  ${tail.join("\n  ")}`);
      if (failures.length > 0) console.log(`worker error reports (first ${failures.length}):\n  ${failures.join("\n  ")}`);
      await pool.close();
    } catch (err) {
      problems.push(`${w.label}: ${/** @type {Error} */ (err).message}`);
      const { tail } = log.summary();
      console.log(`FAILED: ${/** @type {Error} */ (err).stack ?? err}\nworker output (last ${tail.length} lines):\n  ${tail.join("\n  ")}`);
    } finally {
      cleanups.splice(cleanups.indexOf(stopDev), 1);
      await stopDev();
    }
  }

  const warmTable = regimeTable(workers, results.warm);
  const coldTable = regimeTable(workers, results.cold);
  const ratios = ratioTable(results);
  const readTable = regimeTable(
    [
      { name: "marketplace", label: "marketplace call, warm (answer; the webhook is queued after it)" },
      { name: "first", label: "GET /entitlements, first read of each instance (its object)" },
      { name: "repeat", label: "GET /entitlements, repeated (edge copy, 5 s)" },
    ],
    { marketplace: results.warm.gateway, ...reads },
    "gateway path",
  );
  console.log(`\nwarm regime (${cfg.warmInstances} instances, ${cfg.warmRequests} requests, concurrency ${cfg.concurrency}):`);
  console.log(warmTable.text);
  console.log(`\ncold regime (${cfg.coldInstances} distinct instances, each once, concurrency ${cfg.concurrency}):`);
  console.log(coldTable.text);
  console.log("\nthe vendor app's read beside the marketplace call (gateway, warm instances):");
  console.log(readTable.text);
  console.log("\nratios:");
  console.log(ratios.text);
  for (const p of problems) console.log(`\nPROBLEM: ${p}`);

  const md = [
    "# Benchmark results (latest run)",
    "",
    `Run: ${new Date().toISOString()} — command: \`npm run bench\` (\`node bench/run.mjs\`)`,
    "",
    "## Machine",
    "",
    machineTable(info).md,
    "",
    "## Configuration",
    "",
    `Warm: ${cfg.warmInstances} instances, ${cfg.warmRequests} timed requests after ${cfg.warmupRequests} warm-up requests` +
      `${cfg.warmSetup ? `, instances created first with V1 newInstance (untimed)` : ""}. ` +
      `Cold: ${cfg.coldInstances} distinct instances, each touched once. Concurrency ${cfg.concurrency} in flight, keep-alive. ` +
      `Durable Object SQLite files in a temp dir (${ramDir() === "/dev/shm" ? "tmpfs /dev/shm" : "os temp dir"}), deleted after the run. ` +
      "Calls alternate signed V2 updateInstanceStatus (FREEZE) and V1 expireInstance; the same list goes to every Worker. " +
      "Requests are signed in chunks outside the timed sections. Latency = send to last body byte.",
    "",
    "## Warm regime",
    "",
    warmTable.md,
    "",
    "## Cold regime",
    "",
    coldTable.md,
    "",
    "## Entitlements beside the marketplace call",
    "",
    readTable.md,
    "",
    "## Ratios against targets",
    "",
    ratios.md,
    "",
    ...(notes.length || problems.length ? ["## Notes", "", ...notes.map((n) => `- ${n}`), ...problems.map((p) => `- PROBLEM: ${p.split("\n")[0]}`), ""] : []),
  ].join("\n");
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  writeFileSync(join(BENCH_DIR, "results", "latest.md"), md);
  console.log("\nwritten: bench/results/latest.md");

  await cleanup();
  if (problems.length) process.exitCode = 1;
  else if (process.env.BENCH_STRICT === "1" && ratios.misses > 0) process.exitCode = 2;
}

main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exitCode = 1;
});
