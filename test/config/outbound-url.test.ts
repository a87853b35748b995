import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configProblems, opsConfig, opsEnabled } from "../../src/config";
import { health } from "../../src/http/health";
import { outboundUrlProblem } from "../../src/outbound-url";

describe("outbound URLs", () => {
  it.each([
    ["https://ops.example.com/hooks", null],
    ["http://127.0.0.1:9101/ops", null],
    ["http://localhost:9101/ops", null],
    ["http://[::1]:9101/ops", null],
    ["http://127.10.0.1/ops", null],
    ["http://ops.example.com/hooks", "must use https (http only for a loopback host)"],
    ["http://127.0.0.1.example.com/ops", "must use https (http only for a loopback host)"],
    ["http://10.0.0.1/ops", "must use https (http only for a loopback host)"],
    ["ftp://ops.example.com/", "must use https"],
    ["https://user:pw@ops.example.com/", "must not carry credentials"],
    ["not a url", "is not a URL"],
  ])("%s", (url, problem) => {
    expect(outboundUrlProblem(url)).toBe(problem);
  });
});

describe("operational events settings", () => {
  const withOps = (url: string, secret: string) => ({ ...env, OPS_WEBHOOK_URL: url, OPS_WEBHOOK_SECRET: secret });

  it("are off while OPS_WEBHOOK_URL is empty, and then not checked", () => {
    expect(opsEnabled(withOps("", ""))).toBe(false);
    expect(configProblems(withOps("", ""))).toEqual([]);
  });

  it("need an https URL and a whsec_ secret, named in /healthz without their values", async () => {
    const secret = "whsec_b3BzLWVuZHBvaW50LXRlc3Qta2V5LTAxMjM0NTY3";
    expect(opsConfig(withOps("https://ops.example.com/hooks", secret))).toEqual({ url: "https://ops.example.com/hooks", secret });
    expect(configProblems(withOps("http://ops.example.com/hooks", secret))).toEqual([
      "configuration OPS_WEBHOOK_URL is malformed: must use https (http only for a loopback host)",
    ]);
    const res = health(withOps("https://ops.example.com/hooks", "not-a-whsec-value"));
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      status: "degraded",
      opsEvents: true,
      problems: ["configuration OPS_WEBHOOK_SECRET must be whsec_ followed by base64"],
    });
    expect(text).not.toContain("not-a-whsec-value");
  });
});
