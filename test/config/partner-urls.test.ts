/**
 * Partner URLs carry signatures, hashes and tokens: they must be https:, except loopback
 * addresses for local development against mock partners.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/bindings";
import { ConfigError, kooDriveConfig, morConfig, vendorConfig } from "../../src/config";
import { health } from "../../src/http/health";

const configured = (overrides: Partial<Bindings>): Bindings => ({
  ...env,
  VENDOR_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  KOODRIVE_ACCOUNT: "a",
  KOODRIVE_PASSWORD: "p",
  KOODRIVE_AGENT_NAME: "g",
  KOODRIVE_USER_ID: "1",
  MOR_USERNAME: "admin",
  MOR_API_SECRET: "s",
  ...overrides,
});

const SETTINGS = [
  ["VENDOR_WEBHOOK_URL", (e: Bindings) => vendorConfig(e).url],
  ["KOODRIVE_BASE_URL", (e: Bindings) => kooDriveConfig(e).baseUrl],
  ["MOR_BASE_URL", (e: Bindings) => morConfig(e).baseUrl],
] as const;

describe("partner URLs", () => {
  it.each(SETTINGS)("%s accepts https: and loopback http:", (setting, read) => {
    for (const url of [
      "https://vendor.test/webhooks",
      "https://intl.myhuaweicloud-koodrive.com",
      "http://127.0.0.1:8787/hooks",
      "http://127.10.0.3/x",
      "http://localhost:9000",
      "http://[::1]:9000/x",
    ]) {
      expect(read(configured({ [setting]: url }))).toBe(url);
    }
  });

  it.each(SETTINGS)("%s refuses plain http: to anything but loopback, naming the setting", (setting, read) => {
    for (const url of [
      "http://vendor.test/webhooks",
      "http://10.0.0.5/x",
      "http://localhost.example.com/",
      "http://128.0.0.1/",
      "http://[::2]/",
      "ftp://vendor.test/",
    ]) {
      let caught: unknown;
      try {
        read(configured({ [setting]: url }));
      } catch (err) {
        caught = err;
      }
      expect(caught, url).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).setting).toBe(setting);
      expect((caught as Error).message).toMatch(/https:/);
    }
  });

  it("/healthz names each plain-http partner URL as a problem", async () => {
    const res = health(
      configured({
        VENDOR_WEBHOOK_URL: "http://vendor.example/hooks",
        KOODRIVE_BASE_URL: "http://koodrive.example",
        MOR_BASE_URL: "http://127.0.0.1:9001",
      }),
    );
    const body = (await res.json()) as { status: string; problems: string[] };
    expect(body.status).toBe("degraded");
    expect(body.problems).toEqual([
      expect.stringMatching(/^configuration VENDOR_WEBHOOK_URL .*https:/),
      expect.stringMatching(/^configuration KOODRIVE_BASE_URL .*https:/),
    ]);
  });
});
