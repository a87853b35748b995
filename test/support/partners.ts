/**
 * Mock partners at the fetch boundary: the vendor webhook receiver, KooDrive and MOR, each
 * verifying what the gateway sends with node:crypto (independently of src/), recording what it
 * received, and able to fail on demand. Hosts match the "delivery" vitest project's bindings.
 */
import { vi } from "vitest";
import { createHash, createHmac } from "../connectors/support/node-crypto";

export const VENDOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** The operations endpoint's own key (vitest.config.mts sets OPS_WEBHOOK_SECRET to it): not the vendor's. */
export const OPS_SECRET = "whsec_b3BzLWVuZHBvaW50LXRlc3Qta2V5LTAxMjM0NTY3";
export const MOR_SECRET = "mor-test-secret";
export const KOODRIVE_ACCOUNT = "carrier-admin";
export const KOODRIVE_PASSWORD = "carrier-pass";

export interface Received {
  /** `elsewhere` is any host that is not one of the partners (where a redirect points). */
  partner: "vendor" | "koodrive" | "mor" | "ops" | "elsewhere";
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  verified: boolean;
  answered: number;
  /** The request's redirect mode, as the gateway set it ("follow" is fetch's default). */
  redirect: string;
}

type Fault = { times: number; status: number; body?: string; path?: string; headers?: Record<string, string> };

export class Partners {
  readonly received: Received[] = [];
  readonly faults = new Map<string, Fault>();
  /** Extra JSON the vendor returns for instance.provisioned. */
  provisionReply: Record<string, unknown> = {};
  #tokens = new Set<string>();
  #refreshTokens = new Map<string, string>();
  #tokenCounter = 0;
  #vendorIds = new Set<string>();
  duplicateVendorIds = 0;
  logins = 0;

  /** Fail the next `times` calls to `partner` (to paths ending in `path`, if given) with `status`. */
  fail(partner: Received["partner"], times: number, status: number, body?: string, path?: string): void {
    this.faults.set(partner, { times, status, ...(body ? { body } : {}), ...(path ? { path } : {}) });
  }

  /** Answer the next `times` calls to `partner` with a redirect to `location`. */
  redirect(partner: Received["partner"], times: number, status: number, location: string, path?: string): void {
    this.faults.set(partner, { times, status, body: "", headers: { location }, ...(path ? { path } : {}) });
  }

  /** Invalidate every issued access token (KooDrive restarts its sessions). */
  revokeTokens(): void {
    this.#tokens.clear();
  }

  of(partner: Received["partner"]): Received[] {
    return this.received.filter((r) => r.partner === partner);
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = await request.text();
    const headers = Object.fromEntries(request.headers);
    const host = url.hostname.split(".")[0]!;
    const partner: Received["partner"] = host === "vendor" || host === "mor" || host === "koodrive" || host === "ops" ? host : "elsewhere";
    const record = (verified: boolean, response: Response): Response => {
      this.received.push({ partner, method: request.method, path: url.pathname, headers, body, verified, answered: response.status, redirect: request.redirect });
      return response;
    };
    const fault = this.faults.get(partner);
    if (fault && fault.times > 0 && (!fault.path || url.pathname.endsWith(fault.path))) {
      fault.times--;
      return record(true, new Response(fault.body ?? "unavailable", { status: fault.status, ...(fault.headers ? { headers: fault.headers } : {}) }));
    }
    if (partner === "vendor") return record(...this.#vendor(headers, body));
    if (partner === "ops") return record(...this.#ops(headers, body));
    if (partner === "mor") return record(...this.#mor(url, body));
    if (partner === "koodrive") return record(...this.#koodrive(url, headers, body));
    // Whatever a redirect points at accepts anything: a followed redirect then looks like success.
    return record(false, new Response("ok", { status: 200 }));
  }

  #vendor(h: Record<string, string>, body: string): [boolean, Response] {
    const verified = verifyStandardWebhook(VENDOR_SECRET, h, body);
    if (!verified) return [false, new Response("bad signature", { status: 401 })];
    if (this.#vendorIds.has(h["webhook-id"]!)) this.duplicateVendorIds++;
    this.#vendorIds.add(h["webhook-id"]!);
    const event = JSON.parse(body) as { type: string };
    return [true, Response.json(event.type === "instance.provisioned" ? this.provisionReply : {})];
  }

  /** Operational events, verified with the operations secret; received bodies are in `opsEvents()`. */
  #ops(h: Record<string, string>, body: string): [boolean, Response] {
    const verified = verifyStandardWebhook(OPS_SECRET, h, body);
    return [verified, verified ? new Response(null, { status: 204 }) : new Response("bad signature", { status: 401 })];
  }

  /** Operational events the operations endpoint accepted, in arrival order (retries included). */
  opsEvents(): Array<{ id: string; type: string; occurredAt: string; data: Record<string, unknown> }> {
    return this.of("ops").filter((r) => r.verified && r.answered < 300).map((r) => JSON.parse(r.body));
  }

  /**
   * MOR's subscriptions as the mock holds them (docs/mor.md §C.4): `tillS` null is until canceled.
   * Updated by subscription_update/delete, listed by subscriptions_get, and editable behind the
   * gateway's back with {@link editMor}.
   */
  readonly morSubscriptions = new Map<string, { tillS: number | null; disabled: boolean }>();

  /** Changes (or, with `gone`, deletes) a subscription as someone working in MOR directly would. */
  editMor(id: string, change: { tillS?: number | null; disabled?: boolean; gone?: boolean }): void {
    if (change.gone) return void this.morSubscriptions.delete(id);
    const sub = this.morSubscriptions.get(id) ?? { tillS: null, disabled: false };
    this.morSubscriptions.set(id, { ...sub, ...(change.tillS !== undefined ? { tillS: change.tillS } : {}), ...(change.disabled !== undefined ? { disabled: change.disabled } : {}) });
  }

  #mor(url: URL, body: string): [boolean, Response] {
    const form = new URLSearchParams(body);
    const method = url.pathname.split("/").pop();
    // subscriptions_get hashes the secret alone (docs/mor.md §C.3).
    const values = method === "subscription_delete" ? [form.get("subscription_id"), form.get("subscription_delete_action")] : method === "subscriptions_get" ? [] : [form.get("subscription_id")];
    const expected = createHash("sha1").update(values.join("") + MOR_SECRET).digest("hex");
    const verified = form.get("hash") === expected && form.get("u") === "admin";
    const xml = (inner: string) => new Response(`<page><status>${inner}</status></page>`, { status: 200, headers: { "content-type": "application/xml" } });
    if (!verified) return [false, xml("<error>Incorrect hash</error>")];
    const id = form.get("subscription_id") ?? "";
    if (method === "subscriptions_get") {
      if (this.morSubscriptions.size === 0) return [true, xml("<error>No Subscriptions found</error>")];
      const time = (s: number | null) => (s === null ? "<till/>" : `<till>${new Date(s * 1000).toISOString().slice(0, 19).replace("T", " ")} +0000</till>`);
      const items = [...this.morSubscriptions].map(([sid, sub]) => `<subscription><id>${sid}</id><user>u</user><device/><service>s</service><from>2026-01-01 00:00:00 +0000</from>${time(sub.tillS)}<time_left/><memo/><type>${sub.disabled ? "disabled" : "active"}</type><price/><user_id/></subscription>`);
      return [true, xml(`<success>Subscriptions found</success><subscriptions>${items.join("")}</subscriptions>`)];
    }
    if (method === "subscription_update") {
      const end = form.get("subscription_activation_end");
      this.editMor(id, { tillS: form.get("subscription_until_canceled") === "1" || end === null ? null : Number(end), disabled: false });
      return [true, xml("<success>Subscription was successfully updated</success>")];
    }
    if (form.get("subscription_delete_action") === "2") this.editMor(id, { disabled: true });
    else this.morSubscriptions.delete(id);
    return [true, xml("<success>Subscription deleted</success>")];
  }

  #koodrive(url: URL, h: Record<string, string>, body: string): [boolean, Response] {
    const issue = () => {
      const accessToken = `AT token-${++this.#tokenCounter}`;
      const refreshToken = `refresh-${this.#tokenCounter}`;
      this.#tokens.add(accessToken);
      this.#refreshTokens.set(refreshToken, accessToken);
      return Response.json({ code: 0, msg: "Success", data: { userInfo: { userId: "1505084218764547200" }, sessionInfo: { accessToken, refreshToken, expiresIn: 1800, issuedAt: String(Date.now()) } } });
    };
    if (url.pathname === "/koodrive/ose/v1/auth/login") {
      const b = JSON.parse(body) as Record<string, string>;
      const ok = b.account === KOODRIVE_ACCOUNT && b.password === KOODRIVE_PASSWORD && b.authType === "1" && !!h["x-hw-agentname"];
      if (!ok) return [false, Response.json({ code: "401", msg: "account or password invalid" }, { status: 401 })];
      this.logins++;
      return [true, issue()];
    }
    if (url.pathname === "/koodrive/ose/v1/auth/refreshToken") {
      const b = JSON.parse(body) as Record<string, string>;
      const ok = this.#refreshTokens.get(b.refreshToken ?? "") === h.authorization && this.#tokens.has(h.authorization ?? "");
      if (!ok) return [false, Response.json({ code: "401", msg: "token invalid" }, { status: 401 })];
      return [true, issue()];
    }
    if (url.pathname === "/koodrive/ose/v1/carrier/users/notifyPackageExpire") {
      const token = (h.authorization ?? "").replace(/^Bearer /, "");
      const xDate = h["x-date"] ?? "";
      const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(xDate);
      const skew = m ? Date.now() - Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
      const b = JSON.parse(body) as Record<string, unknown>;
      const ok =
        this.#tokens.has(token) && skew >= 0 && skew < 15 * 60_000 && h["x-user-id"] === "1505084218764547200" &&
        (h["x-traceid"] ?? "").length === 58 && b.type === 2 && typeof b.carrierUserId === "string" && typeof b.packageId === "string";
      if (!this.#tokens.has(token)) return [false, Response.json({ code: "401", msg: "token invalid" }, { status: 401 })];
      if (!ok) return [false, Response.json({ code: "400", msg: "bad request" }, { status: 400 })];
      return [true, Response.json({ code: 0, msg: "Success" })];
    }
    return [false, new Response("not found", { status: 404 })];
  }
}

function verifyStandardWebhook(secret: string, h: Record<string, string>, body: string): boolean {
  const key = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const expected = createHmac("sha256", key).update(`${h["webhook-id"]}.${h["webhook-timestamp"]}.${body}`).digest("base64");
  return (h["webhook-signature"] ?? "").split(" ").includes(`v1,${expected}`) && JSON.parse(body).id === h["webhook-id"];
}


const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Routes every outbound fetch of the Worker (same isolate in tests) to the mock partners, with
 * fetch's own redirect handling (Fetch standard, "HTTP-redirect fetch"): unless the request says
 * `redirect: "manual"`, a 301/302 turns a POST into a body-less GET, a 303 turns anything but HEAD
 * into one, and a 307/308 repeats the request, headers and body included, at the new location.
 */
export function installPartners(): Partners {
  const partners = new Partners();
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    let request = new Request(input, init);
    for (let hops = 0; ; hops++) {
      const body = request.body ? await request.clone().text() : null;
      const response = await partners.handle(request);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || request.redirect === "manual" || hops >= 20) return response;
      const toGet = ((response.status === 301 || response.status === 302) && request.method === "POST") || (response.status === 303 && request.method !== "HEAD");
      const headers = new Headers(request.headers);
      if (toGet) for (const name of ["content-type", "content-length", "content-encoding", "content-language", "content-location"]) headers.delete(name);
      request = new Request(new URL(location, request.url), {
        method: toGet ? "GET" : request.method,
        headers,
        ...(toGet || body === null ? {} : { body }),
        redirect: request.redirect,
      });
    }
  });
  return partners;
}

/** Waits (bounded) until `check` holds: queue consumers run asynchronously after the answer. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
