import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { health } from "../../src/http/health";

describe("/healthz", () => {
  it("names a missing or malformed setting of an enabled connector, never a secret value", async () => {
    const res = health({
      ...env,
      VENDOR_WEBHOOK_URL: "https://vendor.example.test/hooks",
      VENDOR_WEBHOOK_SECRET: "",
      MOR_BASE_URL: "not a url",
      MOR_USERNAME: "admin",
      MOR_API_SECRET: "very-secret-value",
    });
    const text = await res.text();
    const body = JSON.parse(text) as { status: string; connectors: string[]; problems: string[] };
    expect(body.status).toBe("degraded");
    expect(body.connectors).toEqual(["vendor", "mor"]);
    expect(body.problems).toEqual(["configuration VENDOR_WEBHOOK_SECRET is not set", expect.stringMatching(/^configuration MOR_BASE_URL is malformed/)]);
    expect(text).not.toContain("very-secret-value");
  });

  it("is ok with the test configuration", async () => {
    const body = (await health(env).json()) as { status: string; problems: string[] };
    expect(body).toMatchObject({ status: "ok", problems: [] });
  });
});
