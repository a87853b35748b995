/**
 * Malformed and hostile requests for every route, and valid calls to mix in among them. Each is
 * built when it is sent (timestamps and nonces are fresh) and says which answer form it must get.
 * Valid calls are signed by the independent signer, as the simulator builds them.
 */
import { signV1Query, signV2, v1TimeStamp } from "../../../tools/lib/koogallery-signer.mjs";
import { activePlatformCall, koogalleryV1Call, koogalleryV2Call, type SimulatedCall } from "../../../tools/simulate/calls.mjs";
import type { Form } from "./answer-forms";
import type { Reply, Shot } from "./http-client";

export interface Call extends Shot {
  name: string;
  /** Hostile calls: the error form of the caller. Valid calls: checked too when given. */
  form?: Form;
  /** The status the answer must have, when the form allows several. */
  status?: number;
  /**
   * Over the body limit: the gateway refuses it without reading it all, so the connection it came
   * on cannot carry another request. Sent on a connection of its own, marked `connection: close`.
   */
  oversized?: boolean;
  /** Valid calls: null when the answer is the success the call asks for, else what is wrong. */
  succeeded?: (reply: Reply) => string | null;
}

export interface Context {
  key: string;
  pathSecret: string;
  adminToken: string;
  /** An instance that exists, for reads. */
  instanceId: string;
}

/** 64 KiB is the gateway's body limit; this is comfortably over it. */
const OVERSIZED = JSON.stringify({ activity: "newInstance", pad: "x".repeat(80 * 1024) });
const JSON_TYPE = { "content-type": "application/json" };
/**
 * Bodies under the limit, small and large, by length or chunked, at once or still arriving when
 * the Worker answers: an answer given while a body is in flight, or after cancelling it, is what
 * breaks a connection (a small body sent at once has fully arrived before the Worker answers).
 */
const LOOSE_BODIES: { size: number; chunked: boolean; trickleMs?: number }[] = [
  { size: 2, chunked: false },
  { size: 2 * 1024, chunked: false, trickleMs: 20 },
  { size: 24 * 1024, chunked: true, trickleMs: 20 },
  { size: 32 * 1024, chunked: false },
];
const padded = (n: number): string => JSON.stringify({ hello: "world", pad: "y".repeat(n) });
const LARGE_BODY = padded(48 * 1024);
let looseSeed = 1;
/**
 * The next body. Kinds come from a fixed pseudo-random sequence, not in turn, so that every call
 * of the catalogue meets every kind whatever the catalogue's length.
 */
const looseBody = (): Pick<Shot, "body" | "chunked" | "trickleMs"> => {
  looseSeed = (looseSeed * 48_271) % 2_147_483_647;
  const kind = LOOSE_BODIES[looseSeed % LOOSE_BODIES.length]!;
  return { body: padded(kind.size), chunked: kind.chunked, ...(kind.trickleMs ? { trickleMs: kind.trickleMs } : {}) };
};

/**
 * wrangler dev's proxy does not pass a GET's chunked body on to the Worker, and drops the
 * connection it came on, whatever the Worker does (the Worker's own workerd keeps it); so a GET
 * carries its body with a Content-Length. Any other method sends it either way.
 */
const lengthForGet = (call: Call): Call => (call.method === "GET" && call.chunked ? { ...call, chunked: false } : call);

const pathOf = (call: SimulatedCall): string => {
  const url = new URL(call.url);
  return `${url.pathname}${url.search}`;
};
const shotOf = (call: SimulatedCall): Shot => ({ method: call.method, path: pathOf(call), headers: call.headers, body: call.body });
const parsed = (reply: Reply): Record<string, unknown> => {
  try {
    return JSON.parse(reply.text) as Record<string, unknown>;
  } catch {
    return {};
  }
};
const resultOk = (reply: Reply) => (parsed(reply).resultCode === "000000" ? null : `resultCode ${String(parsed(reply).resultCode)}`);
const statusIn =
  (...ok: number[]) =>
  (reply: Reply) =>
    ok.includes(reply.status) ? null : `HTTP ${reply.status}: ${reply.text.slice(0, 120)}`;

function v1(ctx: Context, activity: string, extra: Record<string, string> = {}): SimulatedCall {
  return koogalleryV1Call(activity, { key: ctx.key, instanceId: ctx.instanceId, ...extra });
}

function v2(ctx: Context, activity: string): SimulatedCall {
  return koogalleryV2Call(activity, { key: ctx.key, instanceId: ctx.instanceId });
}

/** A V2 call whose body is `body` exactly, correctly signed. */
function v2Signed(ctx: Context, body: string, opts: { timestamp?: string } = {}): Shot {
  const { query } = signV2(ctx.key, body, opts);
  return { method: "POST", path: `/koogallery?${query}`, headers: { "content-type": "application/json;charset=utf8" }, body };
}

function ap(ctx: Context, action: string, opts: { externalId?: string; userId?: string; body?: string } = {}): SimulatedCall {
  return activePlatformCall(action, {
    pathSecret: ctx.pathSecret,
    externalId: opts.externalId ?? crypto.randomUUID(),
    userId: opts.userId ?? crypto.randomUUID(),
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
}

const withPath = (shot: Shot, path: string): Shot => ({ ...shot, path });
const admin = (ctx: Context, token: string | null = ctx.adminToken): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token}` });

export function hostileCalls(ctx: Context): (() => Call)[] {
  const kg = (name: string, shot: Shot, extra: Partial<Call> = {}): Call => ({ name: `koogallery: ${name}`, form: "koogallery", ...shot, ...extra });
  const apc = (name: string, shot: Shot, status?: number, extra: Partial<Call> = {}): Call => ({
    name: `activeplatform: ${name}`,
    form: "activeplatform",
    ...shot,
    ...(status ? { status } : {}),
    ...extra,
  });
  const adm = (name: string, shot: Shot, status: number, extra: Partial<Call> = {}): Call => ({
    name: `admin: ${name}`,
    form: "admin",
    status,
    ...shot,
    ...extra,
  });
  const apBase = `/activeplatform/${ctx.pathSecret}`;

  const calls: (() => Call)[] = [
    // KooGallery V1
    () => {
      const call = v1(ctx, "newInstance");
      return kg("V1 with a forged authToken", withPath(shotOf(call), pathOf(call).replace(/authToken=[^&]*/, "authToken=Zm9yZ2Vk")));
    },
    () => kg("V1 without timeStamp", { method: "GET", path: "/koogallery?activity=newInstance&authToken=abc" }),
    () => kg("V1 by POST (wrong method) with a body", { ...shotOf(v1(ctx, "queryInstance")), method: "POST", headers: JSON_TYPE, ...looseBody() }),
    () => kg("V1 by DELETE with a body", { ...shotOf(v1(ctx, "queryInstance")), method: "DELETE", headers: JSON_TYPE, ...looseBody() }),
    () => {
      const call = v1(ctx, "queryInstance");
      return kg("V1 GET with a body and a forged authToken", {
        ...withPath(shotOf(call), pathOf(call).replace(/authToken=[^&]*/, "authToken=eA%3D%3D")),
        headers: JSON_TYPE,
        ...looseBody(),
      });
    },
    () => kg("V1 unknown activity", { method: "GET", path: `/koogallery?${signV1Query(ctx.key, { activity: "frobnicate", timeStamp: v1TimeStamp() })}` }),
    // KooGallery V2
    () => {
      const call = v2(ctx, "newInstance");
      return kg("V2 with a bad signature", withPath(shotOf(call), pathOf(call).replace(/signature=[0-9a-f]+/, `signature=${"0".repeat(64)}`)));
    },
    () => kg("V2 signed, body not JSON", v2Signed(ctx, "{not json")),
    () => kg("V2 signed, body a JSON array", v2Signed(ctx, "[1,2,3]")),
    () => kg("V2 signed, unknown activity", v2Signed(ctx, '{"activity":"frobnicate"}')),
    () => kg("V2 signed, missing fields", v2Signed(ctx, '{"activity":"newInstance"}')),
    () => kg("V2 stale timestamp", v2Signed(ctx, '{"activity":"queryInstance"}', { timestamp: String(Date.now() - 3_600_000) })),
    () => kg("V2 signed, text/plain", { ...v2Signed(ctx, '{"activity":"queryInstance"}'), headers: { "content-type": "text/plain" } }),
    () => kg("V2 by GET (wrong method) with a body", { ...shotOf(v2(ctx, "queryInstance")), method: "GET" }),
    () => kg("POST without credentials", { method: "POST", path: "/koogallery", headers: JSON_TYPE, ...looseBody() }),
    () => kg("PUT without credentials", { method: "PUT", path: "/koogallery?x=1", headers: JSON_TYPE, ...looseBody() }),
    () => kg("OPTIONS with a body", { method: "OPTIONS", path: "/koogallery", headers: JSON_TYPE, ...looseBody() }),
    () => kg("V2 over the size limit (Content-Length)", v2Signed(ctx, OVERSIZED), { oversized: true }),
    () => kg("V2 over the size limit (chunked)", { ...v2Signed(ctx, OVERSIZED), chunked: true }, { oversized: true }),
    // ActivePlatform
    () => ({
      name: "activeplatform: wrong path secret",
      form: "not-found",
      ...withPath(shotOf(ap(ctx, "subscription/create")), "/activeplatform/not-the-secret/subscription/create"),
    }),
    () => ({
      name: "activeplatform: wrong path secret, large body",
      form: "not-found",
      ...withPath(shotOf(ap(ctx, "subscription/create", { body: LARGE_BODY })), "/activeplatform/not-the-secret/subscription/create"),
    }),
    () => ({ name: "activeplatform: empty path secret", form: "not-found", ...withPath(shotOf(ap(ctx, "user/create")), "/activeplatform//user/create") }),
    () => ({ name: "activeplatform: wrong path secret, GET", form: "not-found", method: "GET", path: "/activeplatform/x/subscription/renew" }),
    () => apc("GET (wrong method) with a body", { ...shotOf(ap(ctx, "subscription/renew")), method: "GET" }, 405),
    () => apc("PUT with a body", { ...shotOf(ap(ctx, "user/create")), method: "PUT" }, 405),
    () => apc("DELETE with a body", { ...shotOf(ap(ctx, "subscription/stop")), method: "DELETE" }, 405),
    () => apc("OPTIONS with a body", { ...shotOf(ap(ctx, "subscription/stop")), method: "OPTIONS" }, 405),
    () => apc("body not JSON", { ...shotOf(ap(ctx, "subscription/create")), body: "{not json" }, 400),
    () => apc("body a JSON array", { ...shotOf(ap(ctx, "subscription/renew")), body: "[]" }, 400),
    () => apc("body empty", { ...shotOf(ap(ctx, "subscription/renew")), body: "" }, 400),
    () => apc("missing fields", { ...shotOf(ap(ctx, "subscription/renew")), body: "{}" }, 400),
    () => apc("unknown event", withPath(shotOf(ap(ctx, "subscription/stop")), `${apBase}/subscription/frobnicate`), 501),
    () => apc("no event path", withPath(shotOf(ap(ctx, "subscription/stop")), apBase), 501),
    () => apc("renew of an unknown subscription", shotOf(ap(ctx, "subscription/renew")), 404),
    () => apc("update of an unknown user", shotOf(ap(ctx, "user/update")), 404),
    () => apc("ap_guid too long", withPath(shotOf(ap(ctx, "subscription/stop")), `${apBase}/subscription/stop?ap_guid=${"g".repeat(300)}`), 400),
    () => apc("over the size limit (Content-Length)", { ...shotOf(ap(ctx, "subscription/create")), body: OVERSIZED }, 413, { oversized: true }),
    () => apc("over the size limit (chunked)", { ...shotOf(ap(ctx, "subscription/create")), body: OVERSIZED, chunked: true }, 413, { oversized: true }),
    // Admin
    () => adm("no token", { method: "GET", path: "/admin/dead-letters" }, 401),
    () =>
      adm(
        "wrong token, with a body",
        { method: "POST", path: "/admin/dead-letters/replay", headers: { ...admin(ctx, "wrong-token"), ...JSON_TYPE }, ...looseBody() },
        401,
      ),
    () => adm("no token, unknown route, with a body", { method: "PUT", path: "/admin/whatever", headers: JSON_TYPE, ...looseBody() }, 401),
    () => adm("wrong method, with a body", { method: "DELETE", path: "/admin/dead-letters", headers: { ...admin(ctx), ...JSON_TYPE }, ...looseBody() }, 405),
    () => adm("unknown route, with a body", { method: "POST", path: "/admin/nothing-here", headers: { ...admin(ctx), ...JSON_TYPE }, ...looseBody() }, 404),
    () =>
      adm(
        "refs, body not JSON",
        { method: "PUT", path: `/admin/instances/koogallery:${ctx.instanceId}/refs`, headers: { ...admin(ctx), ...JSON_TYPE }, body: "{not json" },
        400,
      ),
    () =>
      adm(
        "refs, body invalid",
        { method: "PUT", path: `/admin/instances/koogallery:${ctx.instanceId}/refs`, headers: { ...admin(ctx), ...JSON_TYPE }, body: '{"refs":{"1bad":""}}' },
        400,
      ),
    () =>
      adm(
        "bad instance key, with a body",
        { method: "GET", path: "/admin/instances/not-a-key", headers: { ...admin(ctx), ...JSON_TYPE }, ...looseBody() },
        400,
      ),
    () =>
      adm(
        "replay of an unknown delivery",
        { method: "POST", path: `/admin/deliveries/dlv_${"0".repeat(32)}/replay`, headers: { ...admin(ctx), ...JSON_TYPE }, ...looseBody() },
        404,
      ),
    () =>
      adm(
        "window replay, body invalid",
        { method: "POST", path: "/admin/dead-letters/replay", headers: { ...admin(ctx), ...JSON_TYPE }, body: '{"since":"yesterday"}' },
        400,
      ),
    () =>
      adm(
        "over the size limit (Content-Length)",
        { method: "PUT", path: `/admin/instances/koogallery:${ctx.instanceId}/refs`, headers: { ...admin(ctx), ...JSON_TYPE }, body: OVERSIZED },
        413,
        { oversized: true },
      ),
    // Health and unknown routes
    () => ({ name: "health: GET with a body", form: "health", method: "GET", path: "/healthz", headers: JSON_TYPE, ...looseBody() }),
    () => ({ name: "health: POST with a body", form: "wrong-method", method: "POST", path: "/healthz", headers: JSON_TYPE, ...looseBody() }),
    () => ({ name: "health: PUT with a body", form: "wrong-method", method: "PUT", path: "/healthz", headers: JSON_TYPE, ...looseBody() }),
    () => ({ name: "health: HEAD", form: "head", method: "HEAD", path: "/healthz" }),
    () => ({ name: "unknown route: GET", form: "not-found", method: "GET", path: "/wp-login.php" }),
    () => ({ name: "unknown route: POST with a body", form: "not-found", method: "POST", path: "/api/v1/subscriptions", headers: JSON_TYPE, ...looseBody() }),
    () => ({ name: "unknown route: DELETE with a body", form: "not-found", method: "DELETE", path: "/", headers: JSON_TYPE, ...looseBody() }),
    () => ({ name: "unknown route: OPTIONS with a body", form: "not-found", method: "OPTIONS", path: "/koogallery/extra", headers: JSON_TYPE, ...looseBody() }),
    () => ({ name: "unknown route: HEAD", form: "head", method: "HEAD", path: "/activeplatform/x/user/create" }),
    () => ({
      name: "unknown route: over the size limit (chunked)",
      form: "admin",
      status: 413,
      method: "POST",
      path: "/upload",
      headers: JSON_TYPE,
      body: OVERSIZED,
      chunked: true,
      oversized: true,
    }),
  ];
  return calls.map((make) => () => lengthForGet(make()));
}

export function validCalls(ctx: Context): (() => Call)[] {
  const kgOk = (name: string, call: SimulatedCall): Call => ({ name: `valid: ${name}`, form: "koogallery", ...shotOf(call), succeeded: resultOk });
  const token = admin(ctx);
  return [
    () => kgOk("V1 newInstance", v1(ctx, "newInstance")),
    () => kgOk("V2 newInstance", v2(ctx, "newInstance")),
    () => kgOk("V1 queryInstance", v1(ctx, "queryInstance")),
    () => ({ name: "valid: ActivePlatform subscription/create", ...shotOf(ap(ctx, "subscription/create")), succeeded: statusIn(201) }),
    () => ({ name: "valid: admin instance", method: "GET", path: `/admin/instances/koogallery:${ctx.instanceId}`, headers: token, succeeded: statusIn(200) }),
    () => ({ name: "valid: ActivePlatform user/create", ...shotOf(ap(ctx, "user/create")), succeeded: statusIn(200, 201) }),
    () => ({ name: "valid: health", method: "GET", path: "/healthz", succeeded: statusIn(200) }),
    () => ({ name: "valid: admin dead letters", method: "GET", path: "/admin/dead-letters?limit=5", headers: token, succeeded: statusIn(200) }),
  ];
}
