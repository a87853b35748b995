/**
 * RETRY_DELAY_SCALE: parsed once in config, applied to the outbox lease with a floor that keeps a
 * lease longer than one delivery attempt. The policy's own scaling is in retry-policy.test.ts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigError, configProblems, retryDelayScale } from "../../src/config";
import { DELIVERY_LEASE_MS, MIN_SCALED_LEASE_MS, leaseMs } from "../../src/instance/outbox";
import { ATTEMPT_TIMEOUT_MS } from "../../src/connectors/http";

describe("RETRY_DELAY_SCALE", () => {
  it("defaults to 1, the production schedule, when unset or empty", () => {
    expect(retryDelayScale({ ...env, RETRY_DELAY_SCALE: "" })).toBe(1);
    expect(retryDelayScale({ ...env, RETRY_DELAY_SCALE: undefined as unknown as string })).toBe(1);
    expect(retryDelayScale(env)).toBe(1);
  });

  it("accepts a fraction", () => {
    expect(retryDelayScale({ ...env, RETRY_DELAY_SCALE: "0.001" })).toBe(0.001);
    expect(retryDelayScale({ ...env, RETRY_DELAY_SCALE: " 0.25 " })).toBe(0.25);
  });

  it.each(["0", "-0.5", "2", "fast", "1/100"])("names the setting when it is %j", (value) => {
    expect(() => retryDelayScale({ ...env, RETRY_DELAY_SCALE: value })).toThrow(ConfigError);
    expect(configProblems({ ...env, RETRY_DELAY_SCALE: value })).toEqual([expect.stringMatching(/^configuration RETRY_DELAY_SCALE is malformed/)]);
  });
});

describe("the outbox lease under a scale", () => {
  it("is the production lease at scale 1", () => {
    expect(leaseMs(1)).toBe(DELIVERY_LEASE_MS);
  });

  it("shrinks with the scale", () => {
    expect(leaseMs(0.1)).toBe(DELIVERY_LEASE_MS / 10);
  });

  it("never drops below the floor, which outlasts one delivery attempt", () => {
    expect(leaseMs(0.001)).toBe(MIN_SCALED_LEASE_MS);
    expect(MIN_SCALED_LEASE_MS).toBeGreaterThan(ATTEMPT_TIMEOUT_MS * 2);
  });
});
