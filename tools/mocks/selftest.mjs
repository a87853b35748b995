#!/usr/bin/env node
/**
 * @module tools/mocks/selftest
 * Self-check for the mock partners: starts them on free ports with a controllable clock, sends
 * valid and broken requests with fetch, and asserts the answers. Requests are signed by small
 * signers written here from the specs (and checked against the specs' vectors first), not by the
 * mocks' own code. `npm test` runs it (test/node/mock-partners.test.ts); run directly, it prints one
 * line per check and exits non-zero on any failure: node tools/mocks/selftest.mjs
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseCli } from "./cli.mjs";
import { canonicalRequest, signCanonical } from "./koodrive-sign.mjs";
import { startMocks } from "./mocks.mjs";
import { isMain } from "../lib/is-main.mjs";

const INDEX = fileURLToPath(new URL("./index.mjs", import.meta.url));

// ---------- independent signers (from the specs) ----------
const VENDOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** @param {string} s */
const sha256Hex = (s) => createHash("sha256").update(s).digest("hex");
/** @param {string} s */
const sha1Hex = (s) => createHash("sha1").update(s, "utf8").digest("hex");

/** Standard Webhooks v1 signature. @param {string} secret @param {string} id @param {number} ts @param {string} body */
function vendorSignature(secret, id, ts, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64")}`;
}

/** docs/koodrive.md §B.3 X-Date. @param {number} ms */
const xDate = (ms) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/**
 * docs/koodrive.md §B.5, for a path without query, signing host;x-date;x-user-id.
 * @param {{appId: string, appSecret: string, host: string, path: string, date: string, userId: string, body: string}} r
 */
function kooAppAuth({ appId, appSecret, host, path, date, userId, body }) {
  const canonical = `POST\n${path.endsWith("/") ? path : `${path}/`}\n\nhost:${host}\nx-date:${date}\nx-user-id:${userId}\n\nhost;x-date;x-user-id\n${sha256Hex(body)}`;
  const signature = createHmac("sha256", appSecret)
    .update(`HMAC-SHA256\n${sha256Hex(canonical)}`)
    .digest("hex");
  return { canonical, header: `HMAC-SHA256 AppId=${appId},SignedHeaders=host;x-date;x-user-id,Signature=${signature}` };
}

/** @param {string[]} values @param {string} secret */
const morHash = (values, secret) => sha1Hex(values.join("") + secret);

// ---------- tiny runner ----------
/** @type {Array<{name: string, fn: () => unknown}>} the checks, in order (they share the mocks and the clock) */
export const tests = [];
/** @param {string} name @param {() => unknown} fn */
const test = (name, fn) => tests.push({ name, fn });

let clock = Date.now();
/** @type {string[]} */
const logLines = [];
/** @type {import("./mocks.mjs").RunningMocks} */
let mocks;
let KOO = "";
let MOR = "";

/** Starts the shared mocks the checks talk to (free ports, the checks' own clock). */
export async function start() {
  mocks = await startMocks({ portBase: 0, now: () => clock, log: (l) => logLines.push(l) });
  KOO = mocks.urls.koodrive;
  MOR = mocks.urls.mor;
}

export async function stop() {
  await mocks.close();
}

/** @param {string} url @param {string} body @param {Record<string, string>} [headers] */
const post = (url, body, headers = {}) => fetch(url, { method: "POST", body, headers });
/** Parsed answers are read loosely: the checks assert their shape. @param {Response} res @returns {Promise<{status: number, body: any}>} */
const json = async (res) => ({ status: res.status, body: await res.json() });

/**
 * @template T
 * @param {T[]} list
 * @returns {T}
 */
function last(list) {
  assert.ok(list.length > 0, "nothing recorded");
  return /** @type {T} */ (list.at(-1));
}

// ---------- spec vectors for the signers used below ----------
test("independent signers reproduce the spec vectors", () => {
  assert.equal(sha1Hex("123" + "1252454580" + "answered" + "Very Sercet Key"), "b93c35d5c6183288322122561a3da7e09abb63b7");
  assert.equal(morHash(["10"], "456789"), "145ca5278d5edc90d4e4b69b869c461b3be6763e");
  assert.equal(morHash(["123", "3"], "456789"), "e0f93111f867ca5d424c0f0ebb6b678159086d00");
  assert.equal(morHash([], "secret"), "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4");
  const body = '{"carrierUserId":"189642158555241211","type":2,"packageId":"14"}';
  assert.equal(sha256Hex(body), "5c3cf4effd3e60ace1f203883c90f128168e3e4ba9d35b7c6005c38b41267df9");
  const { canonical, header } = kooAppAuth({
    appId: "x",
    appSecret: "test-app-secret",
    host: "intl.myhuaweicloud-koodrive.com",
    path: "/koodrive/ose/v1/carrier/users/notifyPackageExpire",
    date: "20251103T070140Z",
    userId: "1505084218764547200",
    body,
  });
  assert.equal(sha256Hex(canonical), "9c24ade95d82dce7c7002ec7272d12f9ff60d1f71d5fc50708e113d4249449ce");
  assert.match(header, /Signature=bb0ddeb1c97dbb13a9f5f6156d73f96b57644d8aab151e0c56f1ca8e670d56b1$/);
});

test("mock's own KooDrive canonicalisation matches the spec vector", () => {
  const body = '{"carrierUserId":"189642158555241211","type":2,"packageId":"14"}';
  const canonical = canonicalRequest({
    method: "post",
    path: "/koodrive/ose/v1/carrier/users/notifyPackageExpire",
    rawQuery: "",
    headers: { host: "intl.myhuaweicloud-koodrive.com", "x-date": " 20251103T070140Z ", "x-user-id": "1505084218764547200" },
    signedHeaders: ["x-user-id", "host", "x-date"],
    body,
  });
  assert.equal(sha256Hex(canonical), "9c24ade95d82dce7c7002ec7272d12f9ff60d1f71d5fc50708e113d4249449ce");
  assert.equal(signCanonical(canonical, "test-app-secret").signature, "bb0ddeb1c97dbb13a9f5f6156d73f96b57644d8aab151e0c56f1ca8e670d56b1");
  const q = canonicalRequest({ method: "GET", path: "/a b", rawQuery: "b=2&F=1&e=&s=a%20b*", headers: {}, signedHeaders: [], body: "" });
  assert.equal(q.split("\n")[1], "/a%20b/");
  assert.equal(q.split("\n")[2], "F=1&b=2&e=&s=a%20b%2A");
});

// ---------- vendor ----------
/** @param {string} type @param {string} key @param {string} [id] */
function vendorEvent(type, key, id = `dlv_${Math.random().toString(36).slice(2)}`) {
  const [source, instanceId] = key.split(":");
  const body = JSON.stringify({
    id,
    type,
    occurredAt: new Date(clock).toISOString(),
    test: false,
    instance: { key, source, id: instanceId, state: "active", expiresAt: null, plan: {}, refs: {} },
    source: { system: source, activity: "newInstance", orderId: "o1", raw: {} },
  });
  return { id, body };
}
/**
 * @param {string} id @param {string} body
 * @param {{ts?: number, sig?: string, secret?: string, headers?: Record<string, string>}} [opts]
 */
const sendVendor = (id, body, { ts = Math.floor(clock / 1000), sig, secret = VENDOR_SECRET, headers = {} } = {}) =>
  post(mocks.urls.vendor, body, {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": sig ?? vendorSignature(secret, id, ts, body),
    ...headers,
  });

test("vendor: instance.provisioned gets refs and appInfo, deterministic per instance key", async () => {
  const a = vendorEvent("instance.provisioned", "koogallery:inst-1");
  const r1 = await json(await sendVendor(a.id, a.body));
  assert.equal(r1.status, 200);
  const { refs, appInfo } = r1.body;
  assert.match(refs["mor.subscriptionId"], /^\d+$/);
  assert.match(refs["koodrive.carrierUserId"], /^\d{18}$/);
  assert.equal(refs["koodrive.packageId"], "14");
  assert.match(appInfo.frontEndUrl, /^https:\/\/app\.example\.test\/t\/[0-9a-f]+$/);
  assert.equal(appInfo.adminUrl, "https://app.example.test/admin");
  assert.equal(appInfo.userName, "admin");
  assert.ok(appInfo.password.length >= 12);
  assert.equal(appInfo.memo, "mock tenant");
  const b = vendorEvent("instance.provisioned", "koogallery:inst-1");
  const r2 = await json(await sendVendor(b.id, b.body));
  assert.deepEqual(r2.body, r1.body);
  const c = vendorEvent("instance.provisioned", "koogallery:inst-2");
  const r3 = await json(await sendVendor(c.id, c.body));
  assert.notEqual(r3.body.refs["koodrive.carrierUserId"], refs["koodrive.carrierUserId"]);
  assert.notEqual(r3.body.appInfo.frontEndUrl, appInfo.frontEndUrl);
});

test("vendor: a repeated webhook-id answers 200 again and is logged as duplicate", async () => {
  const e = vendorEvent("instance.renewed", "koogallery:inst-3");
  assert.equal((await sendVendor(e.id, e.body)).status, 200);
  const res = await json(await sendVendor(e.id, e.body));
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {});
  assert.equal(last(mocks.received.vendor).verdict, "duplicate");
  assert.ok(last(logLines).includes("duplicate"));
});

test("vendor: other events answer 200 {}", async () => {
  const e = vendorEvent("instance.expired", "koogallery:inst-4");
  assert.deepEqual(await json(await sendVendor(e.id, e.body)), { status: 200, body: {} });
});

test("vendor: rotated signatures — any one valid v1 passes", async () => {
  const e = vendorEvent("instance.updated", "koogallery:inst-5");
  const ts = Math.floor(clock / 1000);
  const good = vendorSignature(VENDOR_SECRET, e.id, ts, e.body);
  const other = vendorSignature("whsec_c2VjcmV0LW90aGVy", e.id, ts, e.body);
  assert.equal((await sendVendor(e.id, e.body, { sig: `${other} v2,abc ${good}` })).status, 200);
});

test("vendor: bad signatures, stale or future timestamps, missing headers -> 401", async () => {
  const e = vendorEvent("instance.updated", "koogallery:inst-6");
  const ts = Math.floor(clock / 1000);
  assert.equal((await sendVendor(e.id, e.body, { secret: "whsec_c2VjcmV0LW90aGVy" })).status, 401);
  assert.equal((await sendVendor(e.id, e.body.replace("inst-6", "inst-7"), { sig: vendorSignature(VENDOR_SECRET, e.id, ts, e.body) })).status, 401);
  assert.equal((await sendVendor(e.id, e.body, { sig: vendorSignature(VENDOR_SECRET, e.id, ts, e.body).replace("v1,", "v2,") })).status, 401);
  assert.equal((await sendVendor(e.id, e.body, { ts: ts - 301 })).status, 401);
  assert.equal((await sendVendor(e.id, e.body, { ts: ts + 301 })).status, 401);
  assert.equal((await sendVendor(e.id, e.body, { ts: ts - 299 })).status, 200);
  const noSig = await fetch(mocks.urls.vendor, { method: "POST", body: e.body, headers: { "webhook-id": "x", "webhook-timestamp": String(ts) } });
  assert.equal(noSig.status, 401);
  // A rejected delivery must not count for dedup: the id above was first accepted only at ts-299.
  assert.equal(mocks.received.vendor.filter((r) => r.fields.id === e.id && r.verdict === "ok").length, 1);
});

test("vendor: payload deviations are accepted but flagged", async () => {
  const e = vendorEvent("instance.renewed", "koogallery:inst-8");
  const body = e.body.replace(`"id":"${e.id}"`, '"id":"something-else"');
  assert.equal((await sendVendor(e.id, body)).status, 200);
  assert.ok(last(mocks.received.vendor).warnings.includes("payload id differs from webhook-id"));
});

// ---------- KooDrive ----------
/** @type {Record<string, unknown>} */
const kooAccount = { account: "carrier-admin", authType: "1", password: "carrier-pass" };
const NOTIFY_BODY = '{"carrierUserId":"189642158555241211","type":2,"packageId":"14"}';
/** @param {Record<string, unknown>} [body] @param {Record<string, string>} [headers] */
const login = (body = kooAccount, headers = { "x-hw-agentName": "selftest" }) =>
  post(`${KOO}/koodrive/ose/v1/auth/login`, JSON.stringify(body), { "content-type": "application/json", ...headers });
/**
 * @param {string} authorization
 * @param {{body?: string, date?: string, userId?: string, extra?: Record<string, string>}} [opts]
 */
const notify = (authorization, { body = NOTIFY_BODY, date = xDate(clock - 5000), userId = mocks.gatewayVars.KOODRIVE_USER_ID, extra = {} } = {}) =>
  post(`${KOO}/koodrive/ose/v1/carrier/users/notifyPackageExpire`, body, {
    "content-type": "application/json",
    authorization,
    "x-date": date,
    "x-user-id": userId,
    ...extra,
  });

test("koodrive: login returns the documented envelope", async () => {
  const { status, body } = await json(await login());
  assert.equal(status, 200);
  assert.equal(body.code, 0);
  const s = body.data.sessionInfo;
  assert.match(s.accessToken, /^AT \S+$/);
  assert.match(s.refreshToken, /^\S+$/);
  assert.equal(s.expiresIn, 1800);
  assert.equal(s.issuedAt, String(clock));
  assert.equal(body.data.userInfo.userId, mocks.gatewayVars.KOODRIVE_USER_ID);
});

test("koodrive: login rejects missing agent name, wrong password, wrong authType", async () => {
  assert.equal((await login(kooAccount, {})).status, 400);
  assert.deepEqual(await json(await login({ ...kooAccount, password: "nope" })), { status: 401, body: { code: "401", msg: "account or password invalid" } });
  assert.equal((await login({ ...kooAccount, authType: 1 })).status, 400);
  assert.equal((await login({ ...kooAccount, authType: "2" })).status, 400);
});

test("koodrive: notify accepts Bearer and raw token, answers {code:0,msg:Success}", async () => {
  const { accessToken } = (await json(await login())).body.data.sessionInfo;
  assert.deepEqual(await json(await notify(`Bearer ${accessToken}`)), { status: 200, body: { code: 0, msg: "Success" } });
  assert.deepEqual(await json(await notify(accessToken)), { status: 200, body: { code: 0, msg: "Success" } });
  assert.equal(last(mocks.received.koodrive).fields.carrierUserId, "189642158555241211");
});

test("koodrive: bad token, bad X-Date, missing X-User-Id are rejected", async () => {
  const { accessToken } = (await json(await login())).body.data.sessionInfo;
  assert.deepEqual(await json(await notify("Bearer AT nope")), { status: 401, body: { code: "401", msg: "token invalid" } });
  assert.equal((await notify(accessToken, { date: xDate(clock + 60_000) })).status, 401);
  assert.equal((await notify(accessToken, { date: xDate(clock - 16 * 60_000) })).status, 401);
  assert.equal((await notify(accessToken, { date: xDate(clock - 14 * 60_000) })).status, 200);
  assert.equal((await notify(accessToken, { date: "2025-11-03T07:01:40Z" })).status, 400);
  assert.equal((await notify(accessToken, { date: "20251332T070140Z" })).status, 400);
  assert.equal((await notify(accessToken, { userId: "" })).status, 400);
});

test("koodrive: bad bodies -> 400 with the documented envelope", async () => {
  const { accessToken } = (await json(await login())).body.data.sessionInfo;
  for (const body of [
    '{"carrierUserId":"1","type":1,"packageId":"14"}',
    '{"carrierUserId":189642158555241211,"type":2,"packageId":"14"}',
    '{"carrierUserId":"1","type":"2","packageId":"14"}',
    '{"carrierUserId":"1","type":2}',
    "not json",
  ]) {
    const res = await json(await notify(accessToken, { body }));
    assert.equal(res.status, 400, body);
    assert.equal(res.body.code, "400");
    assert.equal(typeof res.body.msg, "string");
  }
});

test("koodrive: tokens expire after the ttl; refresh rotates them", async () => {
  const s1 = (await json(await login())).body.data.sessionInfo;
  clock += 1801_000;
  try {
    assert.equal((await notify(`Bearer ${s1.accessToken}`)).status, 401);
    /** @param {string} auth @param {string} refreshToken */
    const refresh = (auth, refreshToken) =>
      post(`${KOO}/koodrive/ose/v1/auth/refreshToken`, JSON.stringify({ refreshToken }), { authorization: auth, "content-type": "application/json" });
    assert.equal((await refresh(`Bearer ${s1.accessToken}`, s1.refreshToken)).status, 401);
    assert.equal((await refresh(s1.accessToken, "wrong")).status, 401);
    const r = await json(await refresh(s1.accessToken, s1.refreshToken));
    assert.equal(r.status, 200);
    const s2 = r.body.data.sessionInfo;
    assert.notEqual(s2.accessToken, s1.accessToken);
    assert.equal(s2.issuedAt, String(clock));
    assert.equal((await notify(`Bearer ${s2.accessToken}`)).status, 200);
    assert.equal((await refresh(s1.accessToken, s1.refreshToken)).status, 401, "old pair is revoked");
  } finally {
    clock -= 1801_000;
  }
});

test("koodrive: app signature (AppId/AppSecret) accepted, wrong secret/body/AppId rejected", async () => {
  const host = new URL(KOO).host;
  const date = xDate(clock - 5000);
  const userId = "1505084218764547200";
  const path = "/koodrive/ose/v1/carrier/users/notifyPackageExpire";
  const sign = (o = {}) => kooAppAuth({ appId: "mock-app-id", appSecret: "mock-app-secret", host, path, date, userId, body: NOTIFY_BODY, ...o }).header;
  assert.equal((await notify(sign(), { date, userId })).status, 200);
  assert.equal(last(mocks.received.koodrive).fields.auth, "app");
  assert.equal((await notify(sign({ appSecret: "other" }), { date, userId })).status, 401);
  assert.equal((await notify(sign({ appId: "other" }), { date, userId })).status, 401);
  assert.equal((await notify(sign(), { date, userId, body: NOTIFY_BODY.replace("14", "15") })).status, 401);
  assert.equal((await notify(sign(), { date: xDate(clock - 4000), userId })).status, 401);
  assert.equal((await notify(sign().replace(",SignedHeaders", ", SignedHeaders"), { date, userId })).status, 401);
});

// ---------- MOR ----------
/** @param {string} method @param {Record<string, string>} params */
const mor = (method, params) =>
  post(`${MOR}/billing/api/${method}`, new URLSearchParams(params).toString(), { "content-type": "application/x-www-form-urlencoded" });
/** @param {Response} res */
const morText = async (res) => {
  assert.equal(res.status, 200, "MOR always answers HTTP 200");
  return res.text();
};
const SECRET = "mor-secret";
/** @param {string} id @param {Record<string, string>} [extra] */
const update = (id, extra = {}) => mor("subscription_update", { u: "admin", subscription_id: id, hash: morHash([id], SECRET), ...extra });
/** @param {string} id @param {string} action */
const del = (id, action) =>
  mor("subscription_delete", { u: "admin", subscription_id: id, subscription_delete_action: action, hash: morHash([id, action], SECRET) });

test("mor: update auto-creates, then succeeds with the documented XML", async () => {
  const text = await morText(await update("4711", { subscription_activation_end: "1798761600" }));
  assert.match(text, /<page><status><success>Subscription was successfully updated<\/success><\/status><\/page>/);
});

test("mor: wrong u, wrong or missing hash, unknown ids", async () => {
  assert.match(
    await morText(await mor("subscription_update", { u: "root", subscription_id: "1", hash: morHash(["1"], SECRET) })),
    /<error>Access Denied<\/error>/,
  );
  assert.match(
    await morText(await mor("subscription_update", { u: "admin", subscription_id: "1", hash: morHash(["1"], "wrong") })),
    /<error>Incorrect hash<\/error>/,
  );
  assert.match(
    await morText(await mor("subscription_update", { u: "admin", subscription_id: "1", hash: morHash(["1"], SECRET).toUpperCase() })),
    /Incorrect hash/,
  );
  assert.match(await morText(await mor("subscription_update", { u: "admin", subscription_id: "1" })), /Incorrect hash/);
  assert.match(await morText(await del("5555", "1")), /<error>Subscription was not found<\/error>/);
  assert.match(await morText(await update("abc")), /Subscription was not found/);
});

test("mor: a subscription id the vendor handed out exists before any update, so its delete succeeds", async () => {
  const e = vendorEvent("instance.provisioned", "activeplatform:sub-never-updated");
  const { body } = await json(await sendVendor(e.id, e.body));
  const id = body.refs["mor.subscriptionId"];
  assert.match(await morText(await del(id, "1")), /<success>Subscription deleted<\/success>/);
  assert.match(await morText(await del(id, "1")), /Subscription was not found/);
});

test("mor: delete texts per action, not found afterwards, bad action", async () => {
  await update("100");
  await update("101");
  await update("102");
  assert.match(await morText(await del("100", "1")), /<success>Subscription deleted<\/success>/);
  assert.match(await morText(await del("101", "2")), /<success>Subscription disabled<\/success>/);
  assert.match(await morText(await del("102", "3")), /<success>Subscription deleted and money returned<\/success>/);
  assert.match(await morText(await del("100", "1")), /Subscription was not found/);
  assert.match(await morText(await update("100")), /Subscription was not found/);
  assert.match(await morText(await del("101", "4")), /<error>Subscription delete action was not found<\/error>/);
});

test("mor: activation validation", async () => {
  assert.match(
    await morText(await update("200", { subscription_activation_end: "soon" })),
    /<error>Subscription activation end date must be valid timestamp<\/error>/,
  );
  assert.match(await morText(await update("200", { subscription_activation_start: "2000", subscription_activation_end: "1000" })), /earlier than end date/);
});

test("mor: create and subscriptions_get", async () => {
  const created = await morText(
    await mor("subscription_create", { u: "admin", user_id: "7", service_id: "3", subscription_memo: "kd:abc", hash: morHash(["7", "3"], SECRET) }),
  );
  const id = /<success>Subscription was successfully created<\/success><id>(\d+)<\/id>/.exec(created)?.[1];
  assert.ok(id, created);
  assert.match(
    await morText(await mor("subscription_create", { u: "admin", user_id: "7", service_id: "3", hash: morHash(["3", "7"], SECRET) })),
    /Incorrect hash/,
  );
  const got = await morText(await mor("subscriptions_get", { u: "admin", subscription_memo: "kd:abc", hash: morHash([], SECRET) }));
  assert.match(got, new RegExp(`<subscription><id>${id}</id>.*<memo>kd:abc</memo>`));
  assert.match(
    await morText(await mor("subscriptions_get", { u: "admin", subscription_memo: "none", hash: morHash([], SECRET) })),
    /<error>No Subscriptions found<\/error>/,
  );
});

test("mor: the spec's own delete vector (secret 456789) is accepted verbatim", async () => {
  const m = await startMocks({ portBase: 0, log: false, mor: { user: "username", secret: "456789", disabledAsError: true } });
  try {
    /** @param {string} body */
    const send = (body) =>
      post(`${m.urls.mor}/billing/api/subscription_${body.includes("delete") ? "delete" : "update"}`, body, {
        "content-type": "application/x-www-form-urlencoded",
      });
    assert.match(
      await morText(
        await send(
          "u=username&subscription_id=10&subscription_activation_start=1255132800&subscription_memo=acc_one&hash=145ca5278d5edc90d4e4b69b869c461b3be6763e",
        ),
      ),
      /success/,
    );
    assert.match(await morText(await send(`u=username&subscription_id=123&hash=${morHash(["123"], "456789")}`)), /success/);
    assert.match(
      await morText(await send("u=username&subscription_id=123&subscription_delete_action=3&hash=e0f93111f867ca5d424c0f0ebb6b678159086d00")),
      /Subscription deleted and money returned/,
    );
    assert.match(
      await morText(await send(`u=username&subscription_id=10&subscription_delete_action=2&hash=${morHash(["10", "2"], "456789")}`)),
      /<error>Subscription disabled<\/error>/,
    );
  } finally {
    await m.close();
  }
});

// ---------- faults ----------
test("faults: forced status, fail rate, per-server override, down-for", async () => {
  let t = Date.now();
  const m = await startMocks({
    portBase: 0,
    log: false,
    now: () => t,
    faults: { failRate: 1 },
    vendor: { faults: { failRate: 0, latencyMs: 20 } },
    koodrive: { faults: { status: 500 } },
    mor: { faults: { failRate: 0, downForS: 60 } },
  });
  try {
    const e = vendorEvent("instance.expired", "koogallery:f-1");
    const ts = Math.floor(t / 1000);
    const v = await post(m.urls.vendor, e.body, {
      "webhook-id": e.id,
      "webhook-timestamp": String(ts),
      "webhook-signature": vendorSignature(VENDOR_SECRET, e.id, ts, e.body),
    });
    assert.equal(v.status, 200);
    assert.equal((await post(`${m.urls.koodrive}/koodrive/ose/v1/auth/login`, JSON.stringify(kooAccount), { "x-hw-agentName": "t" })).status, 500);
    const params = { u: "admin", subscription_id: "1", hash: morHash(["1"], SECRET) };
    const morCall = () =>
      post(`${m.urls.mor}/billing/api/subscription_update`, new URLSearchParams(params).toString(), { "content-type": "application/x-www-form-urlencoded" });
    assert.equal((await morCall()).status, 503);
    t += 61_000;
    assert.equal((await morCall()).status, 200);
    assert.equal(m.received.mor[0].injected, true);
    assert.equal(m.received.mor[1].injected, false);
    assert.equal(m.received.koodrive[0].injected, true);
  } finally {
    await m.close();
  }
  const r = await startMocks({ portBase: 0, log: false, faults: { failRate: 1 } });
  try {
    assert.equal((await post(r.urls.vendor, "{}")).status, 503);
  } finally {
    await r.close();
  }
});

test("faults: an injected failure leaves no state behind (vendor dedup)", async () => {
  let fail = true;
  const m = await startMocks({ portBase: 0, log: false, random: () => (fail ? 0 : 0.99), vendor: { faults: { failRate: 0.5 } } });
  try {
    const e = vendorEvent("instance.expired", "koogallery:f-2");
    const ts = Math.floor(Date.now() / 1000);
    const send = () =>
      post(m.urls.vendor, e.body, {
        "webhook-id": e.id,
        "webhook-timestamp": String(ts),
        "webhook-signature": vendorSignature(VENDOR_SECRET, e.id, ts, e.body),
      });
    assert.equal((await send()).status, 503);
    fail = false;
    assert.equal((await send()).status, 200);
    assert.equal(m.received.vendor[1].verdict, "ok");
  } finally {
    await m.close();
  }
});

test("faults: the runtime switch changes, lifts and resets faults, in-process and over HTTP", async () => {
  let t = Date.now();
  const m = await startMocks({ portBase: 0, log: false, now: () => t, random: () => 0.5 });
  const params = { u: "admin", subscription_id: "7", hash: morHash(["7"], SECRET) };
  const morCall = () =>
    post(`${m.urls.mor}/billing/api/subscription_update`, new URLSearchParams(params).toString(), { "content-type": "application/x-www-form-urlencoded" });
  try {
    assert.equal((await morCall()).status, 200);
    m.setFaults("mor", { downForS: 30, retryAfterS: 4 });
    const down = await morCall();
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("retry-after"), "4");
    t += 31_000;
    assert.equal((await morCall()).status, 200);
    // Over HTTP: a 60 % fail rate as 429 (random() is 0.5 here, so every request fails).
    const set = await fetch(m.controlUrls.mor, { method: "POST", body: JSON.stringify({ failRate: 0.6, failStatus: 429, retryAfterS: null }) });
    assert.equal(set.status, 200);
    assert.equal((await json(set)).body.faults.failStatus, 429);
    const refused = await morCall();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), null);
    assert.equal((await fetch(m.controlUrls.mor, { method: "POST", body: '{"nope":1}' })).status, 400);
    assert.equal((await fetch(m.controlUrls.mor, { method: "DELETE" })).status, 200);
    assert.equal((await morCall()).status, 200);
    assert.equal(m.faults().mor.failRate, 0);
    // The switch is not a partner call: nothing recorded for it.
    assert.ok(m.received.mor.every((r) => r.path === "/billing/api/subscription_update"));
  } finally {
    await m.close();
  }
});

test("faults: a slow answer is processed first and only answered late", async () => {
  const m = await startMocks({ portBase: 0, log: false, random: () => 0, mor: { faults: { slowRate: 1, slowMs: 400 } } });
  try {
    const params = { u: "admin", subscription_id: "8", subscription_activation_end: "1900000000", hash: morHash(["8"], SECRET) };
    const body = new URLSearchParams(params).toString();
    const aborted = await post(`${m.urls.mor}/billing/api/subscription_update`, body, { "content-type": "application/x-www-form-urlencoded" }).then(
      () => false,
      () => true,
    );
    assert.equal(aborted, false);
    assert.equal(m.received.mor.length, 1);
    assert.equal(m.received.mor[0].slow, true);
    assert.equal(m.received.mor[0].ok, true);
    await assert.rejects(
      fetch(`${m.urls.mor}/billing/api/subscription_update`, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        signal: AbortSignal.timeout(100),
      }),
      { name: "TimeoutError" },
    );
    // The caller gave up, yet the work was done and recorded.
    assert.equal(m.received.mor.length, 2);
    assert.equal(m.received.mor[1].ok, true);
  } finally {
    await m.close();
  }
});

// ---------- CLI ----------
/** parseCli for arguments that are not --help. @param {string[]} argv @param {Record<string, string>} env */
function parsed(argv, env) {
  const result = parseCli(argv, env);
  assert.ok(!result.help);
  return result;
}

test("cli: flags map to options; prefixed fault flags win", () => {
  const { options } = parsed(
    ["--fail-rate", "1", "--mor-fail-rate=0", "--latency", "5", "--port-base", "9200", "--token-ttl", "60", "--mor-disabled-as-error"],
    {
      VENDOR_WEBHOOK_SECRET: "whsec_ZW52",
      MOR_API_SECRET: "from-env",
    },
  );
  assert.deepEqual(options.faults, {
    failRate: 1,
    failStatus: undefined,
    retryAfterS: undefined,
    latencyMs: 5,
    slowRate: undefined,
    slowMs: undefined,
    status: undefined,
    downForS: undefined,
  });
  const slow = parsed(["--slow-rate", "0.1", "--slow-ms", "16000", "--vendor-fail-status", "429", "--vendor-retry-after", "3"], {}).options;
  assert.equal(slow.faults?.slowRate, 0.1);
  assert.equal(slow.faults?.slowMs, 16000);
  assert.equal(slow.vendor?.faults?.failStatus, 429);
  assert.equal(slow.vendor?.faults?.retryAfterS, 3);
  assert.throws(() => parseCli(["--retry-after", "1.5"], {}), /--retry-after/);
  assert.equal(options.mor?.faults?.failRate, 0);
  assert.equal(options.portBase, 9200);
  assert.equal(options.koodrive?.tokenTtlS, 60);
  assert.equal(options.vendor?.secret, "whsec_ZW52");
  assert.equal(options.mor?.secret, "from-env");
  assert.equal(options.mor?.disabledAsError, true);
  assert.equal(parsed(["--mor-secret", "flag"], { MOR_API_SECRET: "env" }).options.mor?.secret, "flag");
  assert.throws(() => parseCli(["--status", "700"], {}), /--status/);
  assert.throws(() => parseCli(["--nope"], {}));
  assert.deepEqual(parseCli(["--help"], {}), { help: true });
});

/** @param {string[]} args @returns {Promise<{code: number|null, out: string}>} */
function runNode(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [INDEX, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

test("cli: --help exits 0, bad flags exit 2", async () => {
  const help = await runNode(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--port-base/);
  assert.match(help.out, /--vendor-fail-rate|prefix with vendor-/);
  const bad = await runNode(["--fail-rate", "2"]);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--fail-rate/);
});

test("cli: serves requests and never prints passwords, tokens or secrets", async () => {
  const child = spawn(process.execPath, [INDEX, "--port-base", "0", "--koodrive-password", "pw-SENTINEL-1", "--mor-secret", "mor-SENTINEL-2"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  /** @param {RegExp} re */
  const waitFor = async (re) => {
    for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(out, re);
  };
  try {
    await waitFor(/Ctrl-C to stop/);
    const koo = /KOODRIVE_BASE_URL=(\S+)/.exec(out)?.[1] ?? "";
    const morBase = /MOR_BASE_URL=(\S+)/.exec(out)?.[1] ?? "";
    const res = await post(`${koo}/koodrive/ose/v1/auth/login`, JSON.stringify({ ...kooAccount, password: "pw-SENTINEL-1" }), { "x-hw-agentName": "t" });
    /** @type {string} */
    const token = (await json(res)).body.data.sessionInfo.accessToken;
    await post(`${koo}/koodrive/ose/v1/carrier/users/notifyPackageExpire`, NOTIFY_BODY, {
      authorization: token,
      "x-date": xDate(Date.now() - 5000),
      "x-user-id": "1",
    });
    const hash = morHash(["9"], "mor-SENTINEL-2");
    await post(`${morBase}/billing/api/subscription_update`, `u=admin&subscription_id=9&hash=${hash}`, { "content-type": "application/x-www-form-urlencoded" });
    await waitFor(/\[mor\] POST \/billing\/api\/subscription_update -> 200 ok/);
    assert.match(out, /\[koodrive\] POST \/koodrive\/ose\/v1\/carrier\/users\/notifyPackageExpire -> 200/);
    for (const secret of ["pw-SENTINEL-1", "mor-SENTINEL-2", token.slice(3), hash]) assert.ok(!out.includes(secret), "log leaks a secret");
  } finally {
    child.kill("SIGTERM");
  }
});

test("in-process log lines never contain secrets or tokens", () => {
  const joined = logLines.join("\n");
  for (const secret of ["carrier-pass", "mor-secret", "mock-app-secret", VENDOR_SECRET.slice(6)]) assert.ok(!joined.includes(secret), secret);
  for (const r of mocks.received.koodrive) {
    const token = /"accessToken":"AT ([^"]+)"/.exec(r.response)?.[1];
    if (token) assert.ok(!joined.includes(token));
  }
  assert.ok(logLines.length > 20);
});

// ---------- run ----------
if (isMain(import.meta.url)) {
  await start();
  let failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      console.log(`ok   ${t.name}`);
    } catch (err) {
      failed += 1;
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.log(`FAIL ${t.name}\n     ${text.split("\n").slice(0, 6).join("\n     ")}`);
    }
  }
  await stop();
  console.log(`\n${tests.length - failed}/${tests.length} passed`);
  process.exitCode = failed ? 1 : 0;
}
