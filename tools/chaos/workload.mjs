/**
 * @module tools/chaos/workload
 * The generated workload: many instances across KooGallery V1, V2 and ActivePlatform, each with a
 * realistic lifecycle (create, renew, expire or freeze, unfreeze or resume, renew, release ...),
 * every step sent 1 to 3 times (some copies concurrently), and late duplicates of earlier steps
 * sent after later ones. Pure: the same seed and options give the same workload.
 *
 * The expected result is the lifecycle alone: a late duplicate must never change it. Which late
 * duplicates are scheduled follows the gateway's documented idempotency (README "Exactly once"):
 * - order-scoped steps (provisioning, KooGallery renewal and upgrade, ActivePlatform create) are
 *   one event forever, so a late copy is always harmless;
 * - ActivePlatform renew is recognised as a resend by its fingerprint, but a deleted subscription
 *   refuses any renew (409), so late copies go only to live subscriptions;
 * - ActivePlatform change is keyed by content after the previous update, so a late copy is only
 *   sent before the plan moves again (a later renew or change);
 * - state-scoped steps (freeze, unfreeze, stop, activate) are the same event only while the state
 *   they produced holds, or after release: a late copy is sent only while the instance is (and,
 *   when it travels alongside the next step, stays) in that state or is released;
 * - release is final, so its late copies are always harmless.
 * `staleDuplicates` also sends late KooGallery freeze/unfreeze copies after the state moved on,
 * carrying their original marketplace timestamp: the gateway must recognise them as stale and
 * answer success without applying them.
 */

/** @type {readonly Platform[]} */
const PLATFORMS = Object.freeze(["koogallery-v1", "koogallery-v2", "activeplatform"]);

const DAY_MS = 86_400_000;

/**
 * @typedef {"koogallery-v1"|"koogallery-v2"|"activeplatform"} Platform
 * @typedef {"active"|"suspended"|"expired"|"released"} State
 * @typedef {"order"|"state"|"release"|"ap-renew"|"ap-change"} KeyKind
 *
 * @typedef {object} Step
 * @property {number} n              position in the lifecycle (0 = provisioning)
 * @property {string} op             provision | renew | expire | resume | suspend | update | release
 * @property {string} action         the marketplace's name: activity or ActivePlatform path
 * @property {string} [status]       FREEZE / NORMAL / UNFREEZE for status activities
 * @property {string} [orderId]      KooGallery order of provisioning, renewal, upgrade
 * @property {string} [expireTime]   KooGallery yyyyMMddHHmmss (provisioning, renewal)
 * @property {number} [periodMonths] ActivePlatform renew: the renewal's period, unique per instance
 * @property {string} eventType      the event the step must produce
 * @property {State} stateAfter
 * @property {KeyKind} keyKind
 * @property {number} copies         1..3 sends of the step
 * @property {boolean} concurrent    copies sent at once, else a little apart
 * @property {number} gapMs          between sequential copies
 * @property {number} thinkMs        wait after the previous step before this one
 *
 * @typedef {object} LateDuplicate
 * @property {number} of  the step copied
 * @property {number} at  sent alongside step `at`, or after the last step when `at` = steps.length;
 *   a stale copy is sent once step `at` was acknowledged, so it surely arrives after it
 * @property {boolean} stale true when only the stale-call rule keeps it harmless
 *
 * @typedef {object} InstancePlan
 * @property {number} index
 * @property {Platform} platform
 * @property {string} label          short name for logs, e.g. v1-007
 * @property {number} startMs        offset from the workload start
 * @property {string} [subscriptionId] ActivePlatform subscription.id
 * @property {Step[]} steps
 * @property {LateDuplicate[]} late
 * @property {{state: State, eventTypes: string[], expiresAt: string|null|undefined}} expected
 *   expiresAt: exact for KooGallery, undefined where the gateway computes it (ActivePlatform)
 */

/**
 * @typedef {object} WorkloadOptions
 * @property {number} instances
 * @property {number} spreadMs       instance starts are spread over this span
 * @property {[number, number]} steps  how many steps after provisioning (min, max)
 * @property {[number, number]} thinkMs  pause between two steps of one instance (min, max); keep the
 *   minimum above 1 s: MOR times are in seconds, and two effects of one instance must differ
 * @property {number} lateRate       chance, at each step, of a late duplicate of an earlier step
 * @property {boolean} staleDuplicates
 * @property {number} baseMs         "now" of the run: KooGallery expiry times count from it
 */

/**
 * @param {import("./prng.mjs").Prng} prng
 * @param {WorkloadOptions} opts
 * @returns {InstancePlan[]}
 */
export function generateWorkload(prng, opts) {
  const plans = [];
  for (let index = 0; index < opts.instances; index++) {
    const platform = PLATFORMS[index % PLATFORMS.length];
    const rng = prng.fork(`instance-${index}`);
    plans.push(planInstance(rng, index, platform, opts));
  }
  return plans;
}

/**
 * @param {import("./prng.mjs").Prng} rng
 * @param {number} index
 * @param {Platform} platform
 * @param {WorkloadOptions} opts
 * @returns {InstancePlan}
 */
function planInstance(rng, index, platform, opts) {
  const tag = `${String(index).padStart(4, "0")}${rng.chars(4)}`;
  const kg = platform !== "activeplatform";
  const steps = kg ? kooGallerySteps(rng, platform, tag, opts) : activePlatformSteps(rng, opts);
  for (const [n, step] of steps.entries()) {
    step.n = n;
    step.copies = rng.weighted([
      [1, 5],
      [2, 3],
      [3, 2],
    ]);
    step.concurrent = step.copies > 1 && rng.chance(0.5);
    step.gapMs = rng.int(100, 700);
    step.thinkMs = n === 0 ? 0 : rng.int(opts.thinkMs[0], opts.thinkMs[1]);
  }
  const short = { "koogallery-v1": "v1", "koogallery-v2": "v2", activeplatform: "ap" }[platform];
  const last = steps[steps.length - 1];
  const lastExpiry = [...steps].reverse().find((s) => s.expireTime !== undefined)?.expireTime;
  return {
    index,
    platform,
    label: `${short}-${String(index).padStart(3, "0")}`,
    startMs: rng.int(0, opts.spreadMs),
    ...(kg ? {} : { subscriptionId: `4${String(index).padStart(5, "0")}${rng.chars(3, "0123456789")}` }),
    steps,
    late: lateDuplicates(rng, platform, steps, opts),
    expected: {
      state: last.stateAfter,
      eventTypes: steps.map((s) => s.eventType),
      expiresAt: kg ? isoFromExpireTime(/** @type {string} */ (lastExpiry)) : undefined,
    },
  };
}

const EVENT = Object.freeze({
  provision: "instance.provisioned",
  renew: "instance.renewed",
  expire: "instance.expired",
  resume: "instance.resumed",
  suspend: "instance.suspended",
  update: "instance.updated",
  release: "instance.released",
});

/**
 * @param {string} op
 * @param {State} from
 * @returns {State}
 */
function stateAfter(op, from) {
  switch (op) {
    case "provision":
    case "resume":
      return "active";
    case "renew":
      // A renewal of a frozen instance brings it back; a suspended one stays suspended.
      return from === "expired" ? "active" : from;
    case "expire":
      return "expired";
    case "suspend":
      return "suspended";
    case "release":
      return "released";
    default:
      return from;
  }
}

/**
 * @param {import("./prng.mjs").Prng} rng
 * @param {Platform} platform
 * @param {string} tag
 * @param {WorkloadOptions} opts
 * @returns {Step[]}
 */
function kooGallerySteps(rng, platform, tag, opts) {
  const v1 = platform === "koogallery-v1";
  let renewals = 0;
  /** @param {number} k */
  const expiry = (k) => expireTimeAt(opts.baseMs + 30 * DAY_MS * (k + 1));
  /** @type {Partial<Step>[]} */
  const raw = [{ op: "provision", action: "newInstance", orderId: `CS${tag}`, expireTime: expiry(0), keyKind: "order" }];
  const wanted = rng.int(opts.steps[0], opts.steps[1]);
  let state = /** @type {State} */ ("active");
  for (let i = 0; i < wanted && state !== "released"; i++) {
    const mayRelease = i >= 1;
    const op =
      state === "active"
        ? rng.weighted([
            ["renew", 3],
            ["expire", 3.5],
            ["update", 1],
            ["release", mayRelease ? 1.5 : 0],
          ])
        : rng.weighted([
            ["resume", 4.5],
            ["renew", 3],
            ["release", mayRelease ? 2.5 : 0],
          ]);
    raw.push(kooGalleryStep(rng, v1, op, tag, () => expiry(++renewals)));
    state = stateAfter(op, state);
  }
  if (state !== "released" && rng.chance(0.7)) raw.push(kooGalleryStep(rng, v1, "release", tag, () => ""));
  return withStates(raw);
}

/**
 * @param {import("./prng.mjs").Prng} rng
 * @param {boolean} v1
 * @param {string} op
 * @param {string} tag
 * @param {() => string} nextExpiry
 * @returns {Partial<Step>}
 */
function kooGalleryStep(rng, v1, op, tag, nextExpiry) {
  switch (op) {
    case "renew":
      return { op, action: "refreshInstance", orderId: `RN${tag}${rng.chars(4)}`, expireTime: nextExpiry(), keyKind: "order" };
    case "update":
      return { op, action: v1 ? "upgrade" : "upgradeInstance", orderId: `UP${tag}${rng.chars(4)}`, keyKind: "order" };
    case "expire":
      if (v1 && rng.chance(0.5)) return { op, action: "expireInstance", keyKind: "state" };
      return { op, action: v1 ? "instanceStatus" : "updateInstanceStatus", status: "FREEZE", keyKind: "state" };
    case "resume":
      return { op, action: v1 ? "instanceStatus" : "updateInstanceStatus", status: v1 ? "NORMAL" : "UNFREEZE", keyKind: "state" };
    default:
      return { op: "release", action: "releaseInstance", keyKind: "release" };
  }
}

/**
 * @param {import("./prng.mjs").Prng} rng
 * @param {WorkloadOptions} opts
 * @returns {Step[]}
 */
function activePlatformSteps(rng, opts) {
  let renewals = 0;
  let changed = false;
  /** @type {Partial<Step>[]} */
  const raw = [{ op: "provision", action: "subscription/create", keyKind: "order" }];
  const wanted = rng.int(opts.steps[0], opts.steps[1]);
  let state = /** @type {State} */ ("active");
  for (let i = 0; i < wanted && state !== "released"; i++) {
    const mayRelease = i >= 1;
    const op =
      state === "active"
        ? rng.weighted([
            ["renew", 3.5],
            ["suspend", 3],
            ["update", changed ? 0 : 1],
            ["release", mayRelease ? 2.5 : 0],
          ])
        : rng.weighted([
            ["resume", 5.5],
            ["renew", 1.5],
            ["release", mayRelease ? 3 : 0],
          ]);
    if (op === "renew") raw.push({ op, action: "subscription/renew", periodMonths: ++renewals, keyKind: "ap-renew" });
    else if (op === "suspend") raw.push({ op, action: "subscription/stop", keyKind: "state" });
    else if (op === "resume") raw.push({ op, action: "subscription/activate", keyKind: "state" });
    else if (op === "update") {
      changed = true;
      raw.push({ op, action: "subscription/change", keyKind: "ap-change" });
    } else raw.push({ op, action: "subscription/delete", keyKind: "release" });
    state = stateAfter(op, state);
  }
  if (state !== "released" && rng.chance(0.7)) raw.push({ op: "release", action: "subscription/delete", keyKind: "release" });
  return withStates(raw);
}

/** @param {Partial<Step>[]} raw @returns {Step[]} */
function withStates(raw) {
  let state = /** @type {State} */ ("active");
  return raw.map((s) => {
    state = stateAfter(/** @type {string} */ (s.op), state);
    return /** @type {Step} */ ({ ...s, eventType: EVENT[/** @type {keyof typeof EVENT} */ (s.op)], stateAfter: state });
  });
}

/**
 * @param {import("./prng.mjs").Prng} rng
 * @param {Platform} platform
 * @param {Step[]} steps
 * @param {WorkloadOptions} opts
 * @returns {LateDuplicate[]}
 */
function lateDuplicates(rng, platform, steps, opts) {
  const late = [];
  for (let at = 1; at <= steps.length; at++) {
    if (!rng.chance(opts.lateRate)) continue;
    const candidates = [];
    for (let of = 0; of < at; of++) {
      const verdict = lateCopyIsHarmless(platform, steps, of, at, opts.staleDuplicates);
      if (verdict) candidates.push({ of, at, stale: verdict === "stale" });
    }
    if (candidates.length === 0) continue;
    const stale = candidates.filter((c) => c.stale);
    late.push(
      stale.length > 0 && rng.chance(0.5)
        ? rng.pick(stale)
        : rng.pick(candidates.filter((c) => !c.stale).length > 0 ? candidates.filter((c) => !c.stale) : stale),
    );
  }
  return late;
}

/**
 * Whether a copy of step `of`, sent alongside step `at` (or after the end), leaves the expected
 * result unchanged. "stale" when only the stale-call rule makes it so.
 * @param {Platform} platform
 * @param {Step[]} steps
 * @param {number} of
 * @param {number} at
 * @param {boolean} staleDuplicates
 * @returns {boolean|"stale"}
 */
export function lateCopyIsHarmless(platform, steps, of, at, staleDuplicates) {
  const step = steps[of];
  // The states the copy may meet: before step `at`, and after it when they travel together.
  const seen = [steps[at - 1].stateAfter, ...(at < steps.length ? [steps[at].stateAfter] : [])];
  const live = seen.every((s) => s !== "released");
  switch (step.keyKind) {
    case "order":
    case "release":
      return true;
    case "ap-renew":
      return live;
    case "ap-change":
      return live && !steps.slice(of + 1, Math.min(at + 1, steps.length)).some((s) => s.keyKind === "ap-renew" || s.keyKind === "ap-change");
    case "state":
      if (seen.every((s) => s === step.stateAfter || s === "released")) return true;
      // Stale copies go after step `at`: the state they meet is the one it left.
      return staleDuplicates && platform !== "activeplatform" && seen.at(-1) !== "released" ? "stale" : false;
  }
  return false;
}

/** `yyyyMMddHHmmss` (UTC) of an epoch-ms instant, whole seconds. @param {number} ms */
function expireTimeAt(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** @param {string} v `yyyyMMddHHmmss` @returns {string} ISO 8601 */
export function isoFromExpireTime(v) {
  const [y, mo, d, h, mi, s] = [v.slice(0, 4), v.slice(4, 6), v.slice(6, 8), v.slice(8, 10), v.slice(10, 12), v.slice(12, 14)].map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s)).toISOString();
}

/** Connectors that react to an event type (docs/contract.md "Outbound connectors"). @param {string} type */
export function reactingConnectors(type) {
  const out = ["vendor"];
  if (type === "instance.expired") out.push("koodrive");
  // MOR hears of a resume too: the freeze moved its end date, the resume moves it back.
  if (type === "instance.renewed" || type === "instance.expired" || type === "instance.resumed" || type === "instance.released") out.push("mor");
  return out;
}
