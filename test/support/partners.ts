/**
 * Mock partners at the fetch boundary: the vendor webhook receiver, KooDrive and MOR. The partner
 * logic is the one of the HTTP mock partners (tools/mocks: pure handlers on node:crypto, which
 * workerd provides with nodejs_compat), so what the gateway sends is verified independently of
 * src/ and the same way in both places. Here they record what they received and can fail or
 * redirect on demand. Hosts match the "delivery" vitest project's bindings.
 */
import { vi } from "vitest";
import { createKooDriveHandler } from "../../tools/mocks/koodrive.mjs";
import { createMorHandler } from "../../tools/mocks/mor.mjs";
import { createVendorHandler } from "../../tools/mocks/vendor.mjs";

export const VENDOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** The operations endpoint's own key (vitest.config.mts sets OPS_WEBHOOK_SECRET to it): not the vendor's. */
const OPS_SECRET = "whsec_b3BzLWVuZHBvaW50LXRlc3Qta2V5LTAxMjM0NTY3";
const MOR_SECRET = "mor-test-secret";
const KOODRIVE_ACCOUNT = "carrier-admin";
const KOODRIVE_PASSWORD = "carrier-pass";
/** vitest.config.mts's KOODRIVE_USER_ID: the carrier admin's userId the gateway must send. */
const KOODRIVE_USER_ID = "1505084218764547200";

export interface Received {
  /** `elsewhere` is any host that is not one of the partners (where a redirect points). */
  partner: "vendor" | "koodrive" | "mor" | "ops" | "elsewhere";
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The partner accepted the call and found nothing in it that deviates from its protocol. */
  verified: boolean;
  answered: number;
  /** The request's redirect mode, as the gateway set it ("follow" is fetch's default). */
  redirect: string;
}

type Fault = { times: number; status: number; body?: string; path?: string; headers?: Record<string, string> };
type Handler = ReturnType<typeof createVendorHandler>;

export class Partners {
  readonly received: Received[] = [];
  readonly faults = new Map<string, Fault>();
  /** Extra JSON the vendor returns for instance.provisioned. */
  provisionReply: Record<string, unknown> = {};
  duplicateVendorIds = 0;
  logins = 0;
  readonly #koodrive = createKooDriveHandler({
    account: KOODRIVE_ACCOUNT,
    password: KOODRIVE_PASSWORD,
    appId: "test-app-id",
    appSecret: "test-app-secret",
    tokenTtlS: 1800,
    userId: KOODRIVE_USER_ID,
  });
  // Every subscription id exists, as the ones a vendor hands out do; tests give several instances
  // one id (their refs), so a delete does not make an id unknown for the next instance.
  readonly #mor = createMorHandler({ user: "admin", secret: MOR_SECRET, exists: () => true, forgetDeleted: true });
  readonly #handlers: Record<Exclude<Received["partner"], "elsewhere">, Handler> = {
    vendor: createVendorHandler({ secret: VENDOR_SECRET, answerProvisioned: () => this.provisionReply }),
    // Operational events, verified with the operations secret; received bodies are in `opsEvents()`.
    ops: createVendorHandler({ secret: OPS_SECRET }),
    mor: this.#mor,
    koodrive: this.#koodrive,
  };

  /**
   * MOR's subscriptions as the mock holds them (docs/mor.md §C.4), `tillS` null for until canceled:
   * updated by subscription_update/delete, listed by subscriptions_get, editable with {@link editMor}.
   */
  get morSubscriptions(): Map<string, { tillS: number | null; disabled: boolean }> {
    const subs = this.#mor.subscriptions() as Array<Record<string, string>>;
    return new Map(
      subs.map((s) => [
        String(s.id),
        {
          tillS: s.subscription_until_canceled === "1" || s.subscription_activation_end === undefined ? null : Number(s.subscription_activation_end),
          disabled: s.status === "disabled",
        },
      ]),
    );
  }

  /** Changes (or, with `gone`, deletes) a subscription as someone working in MOR directly would. */
  editMor(id: string, change: { tillS?: number | null; disabled?: boolean; gone?: boolean }): void {
    if (change.gone) {
      this.#mor.editSubscription(id, { state: "deleted" });
      return;
    }
    this.#mor.editSubscription(id, {
      ...(change.tillS !== undefined ? { end: change.tillS } : {}),
      ...(change.disabled !== undefined ? { state: change.disabled ? "disabled" : "active" } : {}),
    });
  }

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
    this.#koodrive.revokeSessions();
  }

  of(partner: Received["partner"]): Received[] {
    return this.received.filter((r) => r.partner === partner);
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const bodyBytes = new Uint8Array(await request.arrayBuffer());
    const body = new TextDecoder().decode(bodyBytes);
    const headers = Object.fromEntries(request.headers);
    const host = url.hostname.split(".")[0]!;
    const partner: Received["partner"] = host === "vendor" || host === "mor" || host === "koodrive" || host === "ops" ? host : "elsewhere";
    const record = (verified: boolean, response: Response): Response => {
      this.received.push({
        partner,
        method: request.method,
        path: url.pathname,
        headers,
        body,
        verified,
        answered: response.status,
        redirect: request.redirect,
      });
      return response;
    };
    const fault = this.faults.get(partner);
    if (fault && fault.times > 0 && (!fault.path || url.pathname.endsWith(fault.path))) {
      fault.times--;
      return record(true, new Response(fault.body ?? "unavailable", { status: fault.status, ...(fault.headers ? { headers: fault.headers } : {}) }));
    }
    // Whatever a redirect points at accepts anything: a followed redirect then looks like success.
    if (partner === "elsewhere") return record(false, new Response("ok", { status: 200 }));
    const reply = this.#handlers[partner]({
      method: request.method,
      path: url.pathname,
      rawQuery: url.search.slice(1),
      headers,
      bodyBytes,
      body,
      now: Date.now(),
    });
    if (partner === "vendor" && reply.verdict === "duplicate") this.duplicateVendorIds++;
    if (partner === "koodrive" && reply.verdict === "ok: logged in") this.logins++;
    const accepted = reply.ok ?? (reply.status >= 200 && reply.status < 300);
    const verified = accepted && (reply.warnings ?? []).length === 0;
    return record(verified, new Response(reply.body, { status: reply.status, ...(reply.headers ? { headers: reply.headers } : {}) }));
  }

  /** Operational events the operations endpoint accepted, in arrival order (retries included). */
  opsEvents(): Array<{ id: string; type: string; occurredAt: string; data: Record<string, unknown> }> {
    return this.of("ops")
      .filter((r) => r.verified && r.answered < 300)
      .map((r) => JSON.parse(r.body));
  }
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
      // Bytes, not .text(): workerd warns on .text() of a form-encoded body (MOR), and the warning would fill the test output.
      const body = request.body ? new TextDecoder().decode(await request.clone().arrayBuffer()) : null;
      const response = await partners.handle(request);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || request.redirect === "manual" || hops >= 20) return response;
      const toGet =
        ((response.status === 301 || response.status === 302) && request.method === "POST") || (response.status === 303 && request.method !== "HEAD");
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
