/**
 * Every answer waits for the request body: each route, refusals and configuration errors
 * included, reads the body to its end and never cancels it, so the connection stays usable
 * (http/body.ts). Past the size limit it stops reading and answers 413 in the caller's form.
 *
 * The bodies here record how they were consumed. The broken connections themselves only show
 * over real HTTP (test/node/keep-alive.test.ts); this pins down the cause, route by route.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/bindings";
import { MAX_BODY_BYTES } from "../../src/http/body";
import { router } from "../../src/http/router";
import { signV2 } from "../../tools/lib/koogallery-signer.mjs";
import { ACCESS_KEY } from "../support/koogallery";

const ORIGIN = "https://gateway.test";
const SECRET = "test-path-secret-0123456789abcdef";
const PIECE = 1024;

interface Consumption {
  bytesRead: number;
  toTheEnd: boolean;
  cancelled: boolean;
}

/** A body handed out 1 KiB per read, that records how far it was read and whether it was cancelled. */
function trackedBody(text: string): { stream: ReadableStream<Uint8Array>; seen: Consumption } {
  const bytes = new TextEncoder().encode(text);
  const seen: Consumption = { bytesRead: 0, toTheEnd: false, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.bytesRead >= bytes.length) {
          seen.toTheEnd = true;
          controller.close();
          return;
        }
        const piece = bytes.slice(seen.bytesRead, seen.bytesRead + PIECE);
        seen.bytesRead += piece.length;
        controller.enqueue(piece);
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  env?: Partial<Bindings>;
  status: number;
}

const admin = { Authorization: "Bearer test-admin-token" };
const json = { "Content-Type": "application/json" };

/** What every case sends: some kilobytes, more than one read. */
const BODY = JSON.stringify({ activity: "newInstance", pad: "p".repeat(8 * 1024) });
const v2Query = () => signV2(ACCESS_KEY, BODY).query;

/** Every way a route can answer before it would need the body's content. */
const EARLY_ANSWERS: Case[] = [
  { name: "no such route", method: "POST", path: "/no-such-route", status: 404 },
  { name: "health by PUT (wrong method)", method: "PUT", path: "/healthz", status: 405 },
  { name: "entitlements by POST (wrong method)", method: "POST", path: "/entitlements/koogallery%3Ax", status: 405 },
  { name: "admin without a token", method: "POST", path: "/admin/dead-letters/replay", headers: json, status: 401 },
  { name: "admin with a wrong token", method: "PUT", path: "/admin/instances/koogallery:x/refs", headers: { Authorization: "Bearer wrong" }, status: 401 },
  { name: "admin with ADMIN_TOKEN unset", method: "POST", path: "/admin/dead-letters/replay", headers: admin, env: { ADMIN_TOKEN: "" }, status: 503 },
  { name: "admin, wrong method", method: "DELETE", path: "/admin/dead-letters", headers: admin, status: 405 },
  { name: "admin, unknown route", method: "POST", path: "/admin/nothing-here", headers: admin, status: 404 },
  { name: "admin, bad instance key", method: "PUT", path: "/admin/instances/not-a-key/refs", headers: admin, status: 400 },
  { name: "KooGallery V1 by POST", method: "POST", path: "/koogallery?authToken=x&timeStamp=20260101000000000", status: 200 },
  { name: "KooGallery without credentials", method: "POST", path: "/koogallery", status: 200 },
  { name: "KooGallery V2 by PUT", method: "PUT", path: `/koogallery?${v2Query()}`, status: 200 },
  { name: "KooGallery with its access key unset", method: "POST", path: `/koogallery?${v2Query()}`, env: { KOOGALLERY_ACCESS_KEY: "" }, status: 200 },
  { name: "ActivePlatform, wrong path secret", method: "POST", path: "/activeplatform/not-the-secret/subscription/create", status: 404 },
  { name: "ActivePlatform, wrong method", method: "PUT", path: `/activeplatform/${SECRET}/subscription/create`, status: 405 },
  { name: "ActivePlatform, unknown event", method: "POST", path: `/activeplatform/${SECRET}/subscription/frobnicate`, status: 501 },
  {
    name: "ActivePlatform, unknown ap_guid",
    method: "POST",
    path: `/activeplatform/${SECRET}/subscription/stop?ap_guid=nobody`,
    env: { ACTIVEPLATFORM_ALLOWED_AP_GUIDS: "somebody" },
    status: 403,
  },
  {
    name: "ActivePlatform with its path secret unset",
    method: "POST",
    path: `/activeplatform/${SECRET}/subscription/create`,
    env: { ACTIVEPLATFORM_PATH_SECRET: "" },
    status: 503,
  },
];

async function answer(c: Omit<Case, "status">, text: string): Promise<{ status: number; text: string; seen: Consumption }> {
  const { stream, seen } = trackedBody(text);
  const request = new Request(`${ORIGIN}${c.path}`, { method: c.method, headers: c.headers, body: stream });
  const response = await router.fetch(request, { ...env, ...c.env }, createExecutionContext());
  return { status: response.status, text: await response.text(), seen };
}

describe("every answer waits for the request body", () => {
  it.each(EARLY_ANSWERS)("$name: answered $status after the whole body was read, nothing cancelled", async (c) => {
    const { status, seen } = await answer(c, BODY);
    expect(status).toBe(c.status);
    expect(seen).toEqual({ bytesRead: new TextEncoder().encode(BODY).length, toTheEnd: true, cancelled: false });
  });
});

describe("a body over the limit", () => {
  const HUGE = JSON.stringify({ pad: "h".repeat(MAX_BODY_BYTES + 10 * PIECE) });

  it.each([
    { name: "no such route", method: "POST", path: "/no-such-route" },
    { name: "ActivePlatform, wrong path secret", method: "POST", path: "/activeplatform/not-the-secret/user/create" },
    { name: "admin", method: "PUT", path: "/admin/instances/koogallery:x/refs", headers: admin },
  ])("$name: 413 in the gateway's own form, the rest read through and dropped, nothing cancelled", async (c) => {
    const { status, text, seen } = await answer(c, HUGE);
    expect(status).toBe(413);
    expect(JSON.parse(text)).toEqual({ error: { code: "body_too_large", message: `body is larger than ${MAX_BODY_BYTES} bytes` } });
    // Answering while the body still arrives drops the connection under wrangler dev: read it all.
    expect(seen.bytesRead).toBe(new TextEncoder().encode(HUGE).byteLength);
    expect(seen.cancelled).toBe(false);
  });

  it("ActivePlatform: 413 with a task error", async () => {
    const { status, text, seen } = await answer({ name: "", method: "POST", path: `/activeplatform/${SECRET}/subscription/create` }, HUGE);
    expect(status).toBe(413);
    expect(JSON.parse(text)).toEqual({ task: { error_message: `request body too large (limit ${MAX_BODY_BYTES} bytes)` } });
    expect(seen.cancelled).toBe(false);
  });

  it("KooGallery: its own signed answer, whatever the generation", async () => {
    for (const path of ["/koogallery?authToken=x&timeStamp=1", `/koogallery?${signV2(ACCESS_KEY, HUGE).query}`]) {
      const { status, text, seen } = await answer({ name: "", method: "POST", path }, HUGE);
      expect(status).toBe(200);
      expect(JSON.parse(text)).toEqual({ resultCode: "000002", resultMsg: "request body too large" });
      expect(seen.cancelled).toBe(false);
    }
  });

  it("a wrong ActivePlatform path secret still cannot be told from no route", async () => {
    const nowhere = await answer({ name: "", method: "POST", path: "/nowhere" }, HUGE);
    const wrong = await answer({ name: "", method: "POST", path: "/activeplatform/not-the-secret/subscription/create" }, HUGE);
    expect(wrong.status).toBe(nowhere.status);
    expect(wrong.text).toBe(nowhere.text);
  });
});
