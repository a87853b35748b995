/**
 * @module tools/fuzz/run
 * Runs the fuzz families against a gateway under `wrangler dev` and tallies what came back.
 *
 * Per family: the requests without valid credentials go first, and afterwards the persist
 * directory must be exactly as it was; then the credentialed ones (which must all be refused),
 * after which no file that existed may have changed and no new object may hold an instance, an
 * event or a delivery. Before the first family a few real calls create one instance per
 * marketplace, which the fuzz then targets; their admin views must not change either.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SPEC_TEST_KEY } from "../lib/koogallery-signer.mjs";
import { startWranglerDev } from "../lib/wrangler-dev.mjs";
import { activePlatformCall, koogalleryV1Call, koogalleryV2Call } from "../simulate/calls.mjs";
import { formProblem, isServerError } from "./check.mjs";
import { FAMILIES, createRng, generateCase } from "./generate.mjs";
import { createSender, pool } from "./send.mjs";
import { compare, objectName, snapshot, userTables } from "./state.mjs";

const PATH_SECRET = "fuzz-path-secret-0123456789abcdefghijklmnop";
const ADMIN_TOKEN = "fuzz-admin-token-0123456789";
/** Wide enough that the replayed V2 call stays inside the window for the whole run. */
const TOLERANCE_S = 6 * 3600;
const MAX_EXAMPLES = 5;

/**
 * @typedef {object} FamilyResult
 * @property {string} family
 * @property {number} sent
 * @property {Record<string, number>} byStatus
 * @property {number} serverErrors 5xx other than the documented ActivePlatform 501
 * @property {number} resets
 * @property {number} otherErrors timeouts and the like
 * @property {number} wrongForm
 * @property {number} writes files or records that must not have changed
 * @property {number} emptyObjects objects that appeared with no tables of the gateway's (the runtime creates one per object looked up)
 * @property {Record<string, number>} newTables rows in tables of objects that appeared, e.g. nonces
 * @property {number} checkedKeys unknown instances named by credentialed requests, checked to be still unknown
 * @property {Record<string, number>} resetsAfter reset request kind <- the kind its connection answered just before
 * @property {string[]} examples
 * @property {number} ms
 */

/** @typedef {{ seed: number, families: FamilyResult[], ms: number }} FuzzReport */

/**
 * @typedef {object} FuzzOptions
 * @property {number} [count] requests per family (default 10 000)
 * @property {string[]} [families] default: all
 * @property {number} [seed] default: random
 * @property {number} [connections] keep-alive connections (default 4)
 * @property {(line: string) => void} [log]
 */

/**
 * @param {FuzzOptions} [options]
 * @returns {Promise<FuzzReport>}
 */
export async function runFuzz(options = {}) {
  const count = options.count ?? 10_000;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const families = options.families ?? [...FAMILIES];
  const log = options.log ?? (() => {});
  for (const f of families) if (!FAMILIES.includes(f)) throw new Error(`unknown family ${f}; one of ${FAMILIES.join(", ")}`);

  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "fuzz-"));
  const persist = join(work, "state");
  // No connector is configured, so nothing is sent downstream and no alarm or queue message
  // writes to the objects while the fuzz watches them: every change on disk is a request's.
  const gateway = await startWranglerDev({
    persistTo: persist,
    vars: {
      KOOGALLERY_ACCESS_KEY: SPEC_TEST_KEY,
      ACTIVEPLATFORM_PATH_SECRET: PATH_SECRET,
      ADMIN_TOKEN,
      KOOGALLERY_TIMESTAMP_TOLERANCE_S: String(TOLERANCE_S),
      VENDOR_WEBHOOK_URL: "",
      KOODRIVE_BASE_URL: "",
      MOR_BASE_URL: "",
    },
  });
  const connections = options.connections ?? 4;
  try {
    log(`gateway ${gateway.url}, state in ${persist}, seed ${seed}`);
    const ctx = await setUp(gateway.url);
    const views = await adminViews(gateway.url, ctx);
    /** @type {FamilyResult[]} */
    const results = [];
    for (const family of families) {
      // Fresh connections per family: between families the state snapshot leaves them idle long
      // enough for the server's keep-alive timeout to close them, and a client that reuses a
      // connection the server just closed sees a reset that says nothing about the gateway.
      const sender = createSender(gateway.url, { connections });
      const result = await runFamily(family, familySeed(seed, family), count, ctx, sender, persist, gateway.url).finally(() => sender.close());
      result.writes += await changedViews(gateway.url, ctx, views, result.examples);
      log(`${family}: ${result.sent} sent in ${(result.ms / 1000).toFixed(1)} s`);
      results.push(result);
    }
    return { seed, families: results, ms: Date.now() - started };
  } finally {
    await gateway.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** @param {number} seed @param {string} family */
const familySeed = (seed, family) => (seed ^ ((FAMILIES.indexOf(family) + 1) * 0x9e3779b1)) >>> 0;

/**
 * Real calls that create what the fuzz targets: one instance over V1, one over V2 (whose request is
 * kept to be replayed), one ActivePlatform subscription and one user.
 * @param {string} url
 * @returns {Promise<import("./generate.mjs").FuzzContext>}
 */
async function setUp(url) {
  /** @param {{ method: string, url: string, headers: Record<string, string>, body: string | null }} call */
  const call = async (call) => {
    const res = await fetch(call.url, { method: call.method, headers: call.headers, body: call.body ?? undefined });
    const body = /** @type {Record<string, unknown>} */ (await res.json());
    if (res.status >= 300 || (body.resultCode !== undefined && body.resultCode !== "000000"))
      throw new Error(`set-up call failed: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const common = { url, key: SPEC_TEST_KEY, pathSecret: PATH_SECRET };
  const v1 = await call(koogalleryV1Call("newInstance", common));
  const v2Call = koogalleryV2Call("newInstance", common);
  const v2 = await call(v2Call);
  const ap = await call(activePlatformCall("subscription/create", common));
  const user = await call(activePlatformCall("user/create", common));
  return {
    key: SPEC_TEST_KEY,
    pathSecret: PATH_SECRET,
    adminToken: ADMIN_TOKEN,
    v1InstanceId: String(v1.instanceId),
    v2InstanceId: String(v2.instanceId),
    apExternalId: String(ap.external_id),
    apUserId: String(user.id),
    v2Replay: { query: new URL(v2Call.url).search.slice(1), body: String(v2Call.body) },
    toleranceS: TOLERANCE_S,
  };
}

/** The admin views of the set-up instances (the user is not an admin instance key). @param {import("./generate.mjs").FuzzContext} ctx */
const viewKeys = (ctx) => [`koogallery:${ctx.v1InstanceId}`, `koogallery:${ctx.v2InstanceId}`, `activeplatform:${ctx.apExternalId}`];

/** @param {string} url @param {import("./generate.mjs").FuzzContext} ctx @returns {Promise<Map<string, string>>} */
async function adminViews(url, ctx) {
  const views = new Map();
  const headers = { authorization: `Bearer ${ctx.adminToken}` };
  for (const key of viewKeys(ctx)) views.set(key, await (await fetch(`${url}/admin/instances/${key}`, { headers })).text());
  views.set("dead-letters", await (await fetch(`${url}/admin/dead-letters`, { headers })).text());
  return views;
}

/**
 * How many admin views differ from before (instance views, and the dead-letter list, which must
 * stay empty); each difference is one write.
 * @param {string} url @param {import("./generate.mjs").FuzzContext} ctx @param {Map<string, string>} before @param {string[]} examples
 */
async function changedViews(url, ctx, before, examples) {
  const after = await adminViews(url, ctx);
  let changed = 0;
  for (const [key, text] of after) {
    if (text === before.get(key)) continue;
    changed += 1;
    if (examples.length < MAX_EXAMPLES * 3) examples.push(`write: admin view of ${key} changed`);
  }
  return changed;
}

/**
 * @param {string} family @param {number} seed @param {number} count @param {import("./generate.mjs").FuzzContext} ctx
 * @param {ReturnType<typeof createSender>} sender @param {string} persist @param {string} origin
 * @returns {Promise<FamilyResult>}
 */
async function runFamily(family, seed, count, ctx, sender, persist, origin) {
  const started = Date.now();
  /** @type {FamilyResult} */
  const r = {
    family,
    sent: 0,
    byStatus: {},
    serverErrors: 0,
    resets: 0,
    otherErrors: 0,
    wrongForm: 0,
    writes: 0,
    emptyObjects: 0,
    newTables: {},
    resetsAfter: {},
    examples: [],
    checkedKeys: 0,
    ms: 0,
  };
  /** @param {string} line */
  const example = (line) => {
    if (r.examples.length < MAX_EXAMPLES * 3) r.examples.push(line);
  };

  /** The family's cases of one phase, drawn lazily from the same seeded sequence. @param {boolean} creds */
  function* cases(creds) {
    const rng = createRng(seed);
    for (let i = 0; i < count; i++) {
      let c;
      try {
        c = generateCase(family, rng, ctx);
      } catch (err) {
        // A generator bug, not the gateway's: counted and shown, and the run goes on.
        if (!creds) {
          r.otherErrors += 1;
          example(`generator error at case ${i}: ${/** @type {Error} */ (err).message}`);
        }
        continue;
      }
      if (c.creds === creds) yield c;
    }
  }

  /** @type {Set<string>} */
  const targets = new Set();
  /** @param {import("./generate.mjs").FuzzCase} c */
  const sendOne = async (c) => {
    if (c.creds && targets.size < 5) {
      const key = targetKey(c, ctx);
      if (key) targets.add(key);
    }
    const sent = await sender.send(c);
    r.sent += 1;
    const what = `${c.kind}: ${c.method} ${c.path.slice(0, 100)}`;
    if (!sent.answer) {
      if (sent.reset) {
        r.resets += 1;
        // The request's own kind, and what its connection answered just before: an early answer
        // to an oversized body resets the request itself, a dropped connection the next one.
        const key = `${c.kind} <- ${sent.previous ?? "(new connection)"}`;
        r.resetsAfter[key] = (r.resetsAfter[key] ?? 0) + 1;
      } else r.otherErrors += 1;
      r.byStatus[sent.reset ? "reset" : "error"] = (r.byStatus[sent.reset ? "reset" : "error"] ?? 0) + 1;
      example(`${sent.reset ? "reset" : "error"} ${sent.error} (${what})`);
      return;
    }
    const { answer } = sent;
    r.byStatus[answer.status] = (r.byStatus[answer.status] ?? 0) + 1;
    if (isServerError(c, answer, ctx.pathSecret)) {
      r.serverErrors += 1;
      example(`${answer.status} ${answer.body.toString("utf8").slice(0, 120)} (${what})`);
    }
    const problem = formProblem(c, answer, ctx);
    if (problem) {
      r.wrongForm += 1;
      example(`wrong form: ${problem} (${what})`);
    }
  };

  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
  const before = await snapshot(persist);
  await pool(cases(false), 4, sendOne);
  await settle();
  const afterHostile = await snapshot(persist);
  const hostile = compare(before, afterHostile);
  for (const path of [...hostile.added, ...hostile.removed, ...hostile.changed]) {
    r.writes += 1;
    example(`write without credentials: ${path} (${(await objectName(join(persist, path))) ?? "?"})`);
  }

  await pool(cases(true), 4, sendOne);
  await settle();
  const after = await snapshot(persist);
  const credentialed = compare(afterHostile, after);
  for (const path of [...credentialed.removed, ...credentialed.changed]) {
    r.writes += 1;
    example(`write to existing state: ${path} (${(await objectName(join(persist, path))) ?? "?"})`);
  }
  // New files: the runtime creates one SQLite file per object looked up (an unknown instance id);
  // it may hold nothing of the gateway's. A KV blob or an instance, event or delivery row is a write.
  for (const path of credentialed.added) {
    if (!path.endsWith(".sqlite")) {
      r.writes += 1;
      example(`new file: ${path}`);
      continue;
    }
    const tables = await userTables(join(persist, path));
    const names = Object.keys(tables);
    if (names.length === 0) r.emptyObjects += 1;
    for (const name of names) r.newTables[name] = (r.newTables[name] ?? 0) + (tables[name] ?? 0);
    const stored = ["instance", "events", "deliveries"].reduce((n, t) => n + (tables[t] ?? 0), 0);
    if (stored > 0 || /\/kv\//.test(path)) {
      r.writes += 1;
      example(`new object with records: ${path} ${JSON.stringify(tables)}`);
    }
  }
  // A few of the unknown instances credentialed requests named must still be unknown.
  for (const key of targets) {
    r.checkedKeys += 1;
    const res = await fetch(`${origin}/admin/instances/${key}`, { headers: { authorization: `Bearer ${ctx.adminToken}` } });
    await res.arrayBuffer();
    if (res.status !== 404) {
      r.writes += 1;
      example(`write: GET /admin/instances/${key} answered ${res.status}, not 404`);
    }
  }
  r.ms = Date.now() - started;
  return r;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The admin key of the unknown instance a credentialed case names, if any.
 * @param {import("./generate.mjs").FuzzCase} c @param {import("./generate.mjs").FuzzContext} ctx
 * @returns {string | null}
 */
function targetKey(c, ctx) {
  const admin = /^\/admin\/instances\/(koogallery|activeplatform)(?::|%3A)([0-9a-f-]{36})(?:[/?]|$)/.exec(c.path);
  let id = admin?.[2] ?? null;
  let source = admin?.[1] ?? "koogallery";
  try {
    id ??= new URL(`http://gateway${c.path}`).searchParams.get("instanceId");
    if (!id && c.body) {
      const body = JSON.parse(c.body.toString("utf8"));
      id = typeof body.instanceId === "string" ? body.instanceId : typeof body.external_id === "string" ? body.external_id : null;
      if (typeof body.external_id === "string") source = "activeplatform";
    }
  } catch {
    return null;
  }
  const known = [ctx.v1InstanceId, ctx.v2InstanceId, ctx.apExternalId];
  return id && UUID.test(id) && !known.includes(id) ? `${source}:${id}` : null;
}

/**
 * The summary table and the examples behind any failure.
 * @param {FuzzReport} report
 * @returns {string}
 */
export function formatReport(report) {
  const rows = [["family", "sent", "by status", "5xx", "resets", "wrong form", "writes", "s"]];
  for (const f of report.families) {
    const statuses = Object.entries(f.byStatus)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}:${n}`)
      .join(" ");
    rows.push([
      f.family,
      String(f.sent),
      statuses,
      String(f.serverErrors),
      String(f.resets),
      String(f.wrongForm + f.otherErrors),
      String(f.writes),
      (f.ms / 1000).toFixed(1),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const out = [`fuzz seed ${report.seed} (rerun with --seed ${report.seed}), ${(report.ms / 1000).toFixed(1)} s`, "", ...lines];
  for (const f of report.families) {
    const notes = [];
    if (f.emptyObjects > 0 || Object.keys(f.newTables).length > 0) {
      notes.push(
        `  objects looked up by credentialed requests: ${f.emptyObjects} empty${Object.keys(f.newTables).length ? `, rows in new objects: ${JSON.stringify(f.newTables)}` : ""}; unknown instances they named, checked afterwards with the admin API: ${f.checkedKeys}`,
      );
    }
    if (f.resets > 0) notes.push(`  resets (kind <- previous answer on that connection): ${JSON.stringify(f.resetsAfter)}`);
    for (const e of f.examples) notes.push(`  ${e}`);
    if (notes.length > 0) out.push("", `${f.family}:`, ...notes);
  }
  return out.join("\n");
}

/** @param {FuzzReport} report */
export const failed = (report) => report.families.some((f) => f.serverErrors + f.resets + f.otherErrors + f.wrongForm + f.writes > 0);
