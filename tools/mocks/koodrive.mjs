/**
 * @module tools/mocks/koodrive
 * KooDrive carrier API mock (docs/koodrive.md §B.3-B.6.1): login / refreshToken with expiring sessions,
 * and notifyPackageExpire behind X-Date, X-User-Id and either a session token or an app signature.
 * Tokens expire for real (on the injected clock) and refresh rotates them, so the gateway's
 * refresh, re-login and retry paths can be driven from outside.
 */
import { randomBytes } from "node:crypto";
import { canonicalRequest, parseAppAuthorization, signCanonical } from "./koodrive-sign.mjs";
import { jsonReply } from "./reply.mjs";
import { digitsFrom, safeEqual } from "./util.mjs";

const KOODRIVE_PATHS = Object.freeze({
  login: "/koodrive/ose/v1/auth/login",
  refresh: "/koodrive/ose/v1/auth/refreshToken",
  notifyPackageExpire: "/koodrive/ose/v1/carrier/users/notifyPackageExpire",
});

/** X-Date must be at most this old (and never in the future). */
const X_DATE_WINDOW_MS = 15 * 60 * 1000;

const TRACE_ID_LENGTH = 58;

/**
 * The carrier admin's KooDrive userId for an account; the gateway's KOODRIVE_USER_ID.
 * @param {string} account
 */
export const koodriveUserId = (account) => digitsFrom(`koodrive-user:${account}`, "15", 19);

/**
 * `yyyyMMdd'T'HHmmss'Z'` to epoch ms, or undefined when malformed or not a real date.
 * @param {string} v
 */
function parseXDate(v) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 20251332 over into February; a round trip catches that.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) {
    return undefined;
  }
  return ms;
}

/**
 * @param {{account: string, password: string, appId: string, appSecret: string, tokenTtlS: number, userId?: string}} cfg
 *   userId: the carrier admin's userId (default {@link koodriveUserId} of the account)
 * @returns {import("./reply.mjs").Handler & {revokeSessions: () => void}} revokeSessions: KooDrive
 *   restarts its sessions, every issued token stops working
 */
export function createKooDriveHandler(cfg) {
  const userId = cfg.userId ?? koodriveUserId(cfg.account);
  /** @typedef {{accessToken: string, refreshToken: string, expiresIn: number, issuedAt: string}} Session */
  /** @type {Map<string, Session>} accessToken -> session */
  const sessions = new Map();
  /** @type {Map<string, string>} refreshToken -> accessToken */
  const refreshIndex = new Map();

  /** @param {number} now */
  function newSession(now) {
    const session = {
      accessToken: `AT ${randomBytes(24).toString("hex")}`,
      refreshToken: randomBytes(24).toString("hex"),
      expiresIn: cfg.tokenTtlS,
      issuedAt: String(now),
    };
    sessions.set(session.accessToken, session);
    refreshIndex.set(session.refreshToken, session.accessToken);
    return session;
  }

  /** @param {{accessToken: string, refreshToken: string}} s */
  function revoke(s) {
    sessions.delete(s.accessToken);
    refreshIndex.delete(s.refreshToken);
  }

  /**
   * @param {number} status @param {string} msg @param {string} verdict
   * @param {{fields?: Record<string, unknown>, warnings?: string[]}} [extra]
   */
  const fail = (status, msg, verdict, extra = {}) => jsonReply(status, { code: String(status), msg }, { verdict: `rejected: ${verdict}`, ok: false, ...extra });

  /** @param {import("./reply.mjs").MockRequest} req */
  function login(req) {
    const agent = req.headers["x-hw-agentname"];
    if (!agent) return fail(400, "x-hw-agentName is required", "missing x-hw-agentName");
    const body = parseJson(req.body);
    if (!body) return fail(400, "body must be a JSON object", "body is not a JSON object");
    const fields = { agent, account: typeof body.account === "string" ? body.account : undefined };
    if (typeof body.account !== "string" || body.account === "") return fail(400, "account is required", "missing account", { fields });
    if (body.authType !== "1") {
      return fail(400, 'authType must be "1"', `authType ${JSON.stringify(body.authType)} (mock supports "1", a string)`, { fields });
    }
    if (typeof body.password !== "string") return fail(400, "password is required", "missing password", { fields });
    // Both comparisons always run, so timing does not tell which one failed.
    const accountOk = safeEqual(body.account, cfg.account);
    const passwordOk = safeEqual(body.password, cfg.password);
    if (!(accountOk && passwordOk)) {
      return fail(401, "account or password invalid", "wrong account or password", { fields });
    }
    const s = newSession(req.now);
    return jsonReply(200, envelope(s), { verdict: "ok: logged in", ok: true, fields: { ...fields, ttl: s.expiresIn } });
  }

  /** @param {import("./reply.mjs").MockRequest} req */
  function refresh(req) {
    const auth = req.headers.authorization ?? "";
    const body = parseJson(req.body);
    if (!body || typeof body.refreshToken !== "string") return fail(400, "refreshToken is required", "missing refreshToken");
    if (auth.startsWith("Bearer ")) return fail(401, "token invalid", "refresh wants the accessToken verbatim (AT ...), got Bearer");
    const s = sessions.get(auth);
    if (!s) return fail(401, "token invalid", "unknown or revoked accessToken");
    if (refreshIndex.get(body.refreshToken) !== auth) return fail(401, "token invalid", "refreshToken does not belong to this accessToken");
    // Rotation: the old pair stops working, so a client that keeps using it is caught.
    revoke(s);
    const next = newSession(req.now);
    return jsonReply(200, envelope(next), { verdict: "ok: refreshed", ok: true, fields: { ttl: next.expiresIn } });
  }

  /** @param {import("./reply.mjs").MockRequest} req */
  function notify(req) {
    const warnings = [];
    const xDate = req.headers["x-date"];
    const xUserId = req.headers["x-user-id"];
    const traceId = req.headers["x-traceid"];
    const fields = { xUserId, traceId };
    if (!xDate) return fail(400, "X-Date is required", "missing X-Date", { fields });
    if (!xUserId) return fail(400, "X-User-Id is required", "missing X-User-Id", { fields });
    const dateMs = parseXDate(xDate);
    if (dateMs === undefined) return fail(400, "X-Date format must be yyyyMMddTHHmmssZ", `malformed X-Date ${JSON.stringify(xDate)}`, { fields });
    if (dateMs > req.now) return fail(401, "X-Date is later than current time", `X-Date ${xDate} is in the future`, { fields });
    if (req.now - dateMs > X_DATE_WINDOW_MS) return fail(401, "X-Date expired", `X-Date ${xDate} is older than 15 min`, { fields });
    if (traceId !== undefined && traceId.length !== TRACE_ID_LENGTH) warnings.push(`x-traceid has ${traceId.length} chars, not ${TRACE_ID_LENGTH}`);

    const auth = checkAuth(req);
    if (!auth.ok) return fail(401, "token invalid", auth.why, { fields, warnings });
    if (auth.mode === "token" && xUserId !== userId) warnings.push("X-User-Id is not the logged-in carrier admin's userId");
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) warnings.push("content-type is not application/json");

    const body = parseJson(req.body);
    if (!body) return fail(400, "body must be a JSON object", "body is not a JSON object", { fields, warnings });
    const f = { ...fields, auth: auth.mode, carrierUserId: body.carrierUserId, type: body.type, packageId: body.packageId };
    const bad = validateNotifyBody(body);
    if (bad) return fail(400, bad, bad, { fields: f, warnings });
    const extra = Object.keys(body).filter((k) => !["carrierUserId", "type", "packageId"].includes(k));
    if (extra.length) warnings.push(`unexpected body fields: ${extra.join(", ")}`);
    return jsonReply(200, { code: 0, msg: "Success" }, { verdict: "ok: package expiry noted", ok: true, fields: f, warnings });
  }

  /**
   * @param {import("./reply.mjs").MockRequest} req
   * @returns {{ok: true, mode: "token"|"app"}|{ok: false, why: string}}
   */
  function checkAuth(req) {
    const header = req.headers.authorization ?? "";
    if (!header) return { ok: false, why: "missing Authorization" };
    if (header.startsWith("HMAC-SHA256")) return checkAppSignature(req, header);
    // The docs' "Bearer+{access_token}" is ambiguous (docs/koodrive.md §B.4), so both forms pass.
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : header;
    const s = sessions.get(token);
    if (!s) return { ok: false, why: "unknown or revoked token" };
    if (req.now > Number(s.issuedAt) + s.expiresIn * 1000) return { ok: false, why: "token expired" };
    return { ok: true, mode: "token" };
  }

  /**
   * @param {import("./reply.mjs").MockRequest} req
   * @param {string} header
   * @returns {{ok: true, mode: "app"}|{ok: false, why: string}}
   */
  function checkAppSignature(req, header) {
    const parsed = parseAppAuthorization(header);
    if (!parsed) return { ok: false, why: "malformed HMAC-SHA256 Authorization" };
    if (!safeEqual(parsed.appId, cfg.appId)) return { ok: false, why: "unknown AppId" };
    const names = parsed.signedHeaders;
    if (names.some((n) => n !== n.toLowerCase())) return { ok: false, why: "SignedHeaders must be lower-case" };
    if (names.join(";") !== [...names].sort().join(";")) return { ok: false, why: "SignedHeaders must be sorted" };
    for (const required of ["x-date", "x-user-id"]) {
      if (!names.includes(required)) return { ok: false, why: `SignedHeaders lacks ${required}` };
    }
    const missing = names.find((n) => req.headers[n] === undefined);
    if (missing) return { ok: false, why: `signed header ${missing} was not sent` };
    const canonical = canonicalRequest({ ...req, signedHeaders: names, body: req.bodyBytes });
    const { signature } = signCanonical(canonical, cfg.appSecret);
    if (!safeEqual(parsed.signature, signature)) return { ok: false, why: "signature mismatch" };
    return { ok: true, mode: "app" };
  }

  /** @param {{accessToken: string, refreshToken: string, expiresIn: number, issuedAt: string}} s */
  function envelope(s) {
    return {
      code: 0,
      msg: "Success",
      data: {
        userInfo: { userId, firstname: "Carrier", surname: "Admin", phone: "", email: "" },
        sessionInfo: { accessToken: s.accessToken, expiresIn: s.expiresIn, issuedAt: s.issuedAt, refreshToken: s.refreshToken },
      },
    };
  }

  /** @type {Record<string, (req: import("./reply.mjs").MockRequest) => import("./reply.mjs").Reply>} */
  const routes = { [KOODRIVE_PATHS.login]: login, [KOODRIVE_PATHS.refresh]: refresh, [KOODRIVE_PATHS.notifyPackageExpire]: notify };
  /** @param {import("./reply.mjs").MockRequest} req */
  const kooDriveHandler = (req) => {
    const route = Object.hasOwn(routes, req.path) ? routes[req.path] : undefined;
    if (!route) return fail(404, "not found", `unknown path`);
    if (req.method !== "POST") return fail(405, "method not allowed", `method ${req.method}`);
    return route(req);
  };
  const revokeSessions = () => {
    sessions.clear();
    refreshIndex.clear();
  };
  return Object.assign(kooDriveHandler, { revokeSessions });
}

/**
 * @param {Record<string, unknown>} body
 * @returns {string|undefined} what is wrong, for both the answer and the log
 */
function validateNotifyBody(body) {
  // Ids must be strings: KooDrive ids exceed 2^53 and would lose digits as JSON numbers.
  if (typeof body.carrierUserId !== "string" || body.carrierUserId === "") return "carrierUserId must be a non-empty string";
  if (typeof body.packageId !== "string" || body.packageId === "") return "packageId must be a non-empty string";
  if (body.type === 1) return "type 1 is undocumented; expected 2 (reservation period)";
  if (body.type !== 2) return "type must be the integer 2";
  return undefined;
}

/** @param {string} text @returns {Record<string, any>|undefined} */
function parseJson(text) {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
