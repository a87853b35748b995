/**
 * The gateway's own GET routes answer another method with 405 and `Allow`, in their JSON error
 * form, as the admin API does; a path that is no route stays a 404.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";

async function call(method: string, path: string, body?: string) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request<unknown, IncomingRequestCfProperties>(`https://gateway.test${path}`, { method, ...(body === undefined ? {} : { body }) }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, allow: response.headers.get("allow"), body: (await response.json()) as unknown };
}

describe("own routes and methods", () => {
  it.each([
    ["POST", "/entitlements/koogallery%3Ax", "{}"],
    ["PUT", "/entitlements/koogallery%3Ax", "{}"],
    ["DELETE", "/entitlements/koogallery%3Ax", undefined],
    ["POST", "/healthz", "{}"],
  ])("%s %s is 405 with Allow: GET", async (method, path, body) => {
    const answer = await call(method, path, body);
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe("GET");
    expect(answer.body).toEqual({ error: { code: "method_not_allowed", message: "use GET" } });
  });

  it("HEAD is answered as GET", async () => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request<unknown, IncomingRequestCfProperties>("https://gateway.test/healthz", { method: "HEAD" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    const entitlement = await worker.fetch(
      new Request<unknown, IncomingRequestCfProperties>("https://gateway.test/entitlements/koogallery%3Ax", { method: "HEAD" }),
      env,
      createExecutionContext(),
    );
    expect(entitlement.status).toBe((await call("GET", "/entitlements/koogallery%3Ax")).status);
    expect(entitlement.status).not.toBe(405);
  });

  it("a path that is no route is a 404", async () => {
    expect((await call("POST", "/entitlements", "{}")).status).toBe(404);
    expect((await call("GET", "/nowhere")).status).toBe(404);
  });
});
