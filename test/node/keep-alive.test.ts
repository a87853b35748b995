/**
 * Hostile traffic must not break the connections it arrives on. Through `wrangler dev` as users
 * run it: 1,500 malformed or hostile requests across every route, with valid calls among them,
 * four at a time over kept-alive connections. An answer given while the request body is still
 * unread (or after cancelling it) makes workerd drop the connection, and the next request on it
 * fails with a 503 or a reset, valid calls included; the Workers test pool does not show this,
 * real connections do.
 *
 * Bodies over the size limit are refused without being read to the end, so the connection they
 * came on cannot carry another request: they go on connections of their own (`connection:
 * close`) and are counted apart. Every answer they get must be in the caller's form and none a
 * 5xx; a reset before the answer is counted, not failed (the server stopped reading).
 *
 * A failed request names the request its connection carried before: that is what broke it.
 */
import http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPEC_TEST_KEY } from "../../tools/lib/koogallery-signer.mjs";
import { koogalleryV1Call } from "../../tools/simulate/calls.mjs";
import { startWranglerDev, type DevServer } from "../../tools/lib/wrangler-dev.mjs";
import { formProblem } from "./support/answer-forms";
import { hostileCalls, validCalls, type Call, type Context } from "./support/hostile-calls";
import { send, type Carried, type Reply } from "./support/http-client";

const HOSTILE = 1_500;
/** One valid call after every this many hostile ones. */
const VALID_EVERY = 5;
const LANES = 4;

const PATH_SECRET = "keep-alive-test-path-secret-0123456789abcdef";
const ADMIN_TOKEN = "keep-alive-test-admin-token";

let work: string;
let gateway: DevServer;
let ctx: Context;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "keep-alive-"));
  // No connector is configured: deliveries are not what this test is about.
  const envFile = join(work, "dev.vars");
  writeFileSync(
    envFile,
    [
      `KOOGALLERY_ACCESS_KEY=${SPEC_TEST_KEY}`,
      `ACTIVEPLATFORM_PATH_SECRET=${PATH_SECRET}`,
      `ADMIN_TOKEN=${ADMIN_TOKEN}`,
      "KOOGALLERY_FRONTEND_URL=https://app.example.test/",
      "",
    ].join("\n"),
  );
  gateway = await startWranglerDev({ envFile, persistTo: join(work, "state") });
  const setup = koogalleryV1Call("newInstance", { key: SPEC_TEST_KEY, url: gateway.url });
  const answer = await send(new URL(gateway.url), false, { method: "GET", path: new URL(setup.url).pathname + new URL(setup.url).search });
  const instanceId = (JSON.parse(answer.text) as { instanceId?: string }).instanceId;
  if (!instanceId) throw new Error(`setup newInstance failed: ${answer.text}`);
  ctx = { key: SPEC_TEST_KEY, pathSecret: PATH_SECRET, adminToken: ADMIN_TOKEN, instanceId };
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Outcome {
  call: Call;
  reply?: Reply;
  error?: string;
  /** The request the same connection carried before this one. */
  after: string | null;
}

/** Hostile calls in catalogue order, round and round, with a valid call after every VALID_EVERY. */
function schedule(): (() => Call)[] {
  const hostile = hostileCalls(ctx);
  const valid = validCalls(ctx);
  const out: (() => Call)[] = [];
  for (let i = 0; i < HOSTILE; i++) {
    out.push(hostile[i % hostile.length]!);
    if ((i + 1) % VALID_EVERY === 0) out.push(valid[((i + 1) / VALID_EVERY - 1) % valid.length]!);
  }
  return out;
}

async function run(plan: (() => Call)[]): Promise<Outcome[]> {
  const base = new URL(gateway.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: LANES });
  const outcomes: Outcome[] = [];
  let next = 0;
  const lane = async () => {
    while (next < plan.length) {
      const call = plan[next++]!();
      const shot = call.oversized ? { ...call, headers: { ...call.headers, connection: "close" } } : call;
      const carried: Carried = { previous: null };
      try {
        const reply = await send(base, call.oversized ? false : agent, shot, call.name, carried);
        outcomes.push({ call, reply, after: carried.previous });
      } catch (err) {
        const error = err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? ""} ${err.message}`.trim() : String(err);
        outcomes.push({ call, error, after: carried.previous });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: LANES }, lane));
  } finally {
    agent.destroy();
  }
  return outcomes;
}

/** 501 is the answer to an unimplemented ActivePlatform event path; any other 5xx is a failure. */
const unexpected5xx = (o: Outcome): boolean => !!o.reply && o.reply.status >= 500 && o.reply.status !== o.call.status;

function problemOf(o: Outcome): string | null {
  if (!o.reply) return `connection error: ${o.error}${o.after ? ` (the connection carried "${o.after}" before)` : ""}`;
  if (unexpected5xx(o)) return `HTTP ${o.reply.status}: ${o.reply.text.slice(0, 80)}`;
  if (o.call.status !== undefined && o.reply.status !== o.call.status) return `HTTP ${o.reply.status}, expected ${o.call.status}`;
  const form = o.call.form ? formProblem(o.call.form, o.reply, ctx.key) : null;
  return form ?? o.call.succeeded?.(o.reply) ?? null;
}

/** `name: problem` -> how many times. */
function tally(outcomes: Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) {
    const p = problemOf(o);
    if (p) out[`${o.call.name}: ${p}`] = (out[`${o.call.name}: ${p}`] ?? 0) + 1;
  }
  return out;
}

describe("hostile traffic over kept-alive connections (wrangler dev)", () => {
  it(`${HOSTILE} malformed or hostile requests leave every connection usable and every answer in its caller's form`, async () => {
    const logFrom = gateway.log.length;
    const outcomes = await run(schedule());
    // wrangler's proxy retries a GET or HEAD whose connection to the Worker dropped, and says so:
    // a retry hides a broken connection from the client, so it counts as one.
    const retried = gateway.log.slice(logFrom).filter((line) => /dropped connection/.test(line));
    const kept = outcomes.filter((o) => !o.call.oversized);
    const oversized = outcomes.filter((o) => o.call.oversized);
    const valid = kept.filter((o) => o.call.succeeded);
    const count = (list: Outcome[], p: (o: Outcome) => boolean) => list.filter(p).length;
    const summary = {
      requests: outcomes.length,
      keptAlive: kept.length,
      valid: valid.length,
      oversized: oversized.length,
      fiveHundreds: count(kept, unexpected5xx),
      connectionErrors: count(kept, (o) => !o.reply),
      validFailed: count(valid, (o) => problemOf(o) !== null),
      wrongForm: count(kept, (o) => !!o.reply && !unexpected5xx(o) && problemOf(o) !== null),
      oversizedWrong: count(oversized, (o) => !!o.reply && problemOf(o) !== null),
      oversizedReset: count(oversized, (o) => !o.reply),
      proxyRetries: retried.length,
    };
    console.log(JSON.stringify({ test: "keep-alive", ...summary }));
    // Kept-alive traffic: not one problem. Bodies over the limit: each answer that arrives is in
    // its caller's form and none is a 5xx, but the server stops reading them, so the client may
    // see its connection reset before the answer: counted, not failed.
    const problems = tally([...kept, ...oversized.filter((o) => o.reply)]);
    expect(problems).toEqual({});
    expect(retried).toEqual([]);
    expect(summary.keptAlive + summary.oversized).toBe(HOSTILE + HOSTILE / VALID_EVERY);
  }, 240_000);
});
