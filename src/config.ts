/**
 * @module config
 * The one place that reads configuration from the environment. Each area is parsed on first
 * use, so a missing KooDrive password never breaks KooGallery, and every problem names the
 * setting at fault (never its value).
 */
import { z } from "zod";
import type { Bindings } from "./bindings";
import { outboundUrl } from "./outbound-url";

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`configuration ${setting} ${problem}`);
    this.name = "ConfigError";
  }
}

const trimmed = (v: string | undefined): string => (v ?? "").trim();

function required(env: Bindings, name: keyof Bindings): string {
  const value = trimmed(env[name] as string | undefined);
  if (!value) throw new ConfigError(name, "is not set");
  return value;
}

function parsed<T>(env: Bindings, name: keyof Bindings, schema: z.ZodType<T>, fallback: string): T {
  const raw = trimmed(env[name] as string | undefined) || fallback;
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(name, `is malformed: ${result.error.issues[0]?.message ?? "invalid"}`);
  return result.data;
}

/**
 * Partner URLs (vendor webhook, KooDrive, MOR) receive signatures, hashes and tokens, so they must
 * be https:. Plain http: is allowed only to loopback (127.0.0.0/8, localhost, [::1]), where a
 * developer runs the mock partners (`.dev.vars.example`).
 */
function partnerUrl(env: Bindings, name: "VENDOR_WEBHOOK_URL" | "KOODRIVE_BASE_URL" | "MOR_BASE_URL"): string {
  const value = trimmed(env[name]);
  if (!value) throw new ConfigError(name, "is not set");
  if (!URL.canParse(value)) throw new ConfigError(name, "is malformed: not an absolute URL");
  const url = new URL(value);
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))) return value;
  throw new ConfigError(name, "must use https: (plain http: is allowed only for loopback addresses: 127.0.0.0/8, localhost, [::1])");
}

/** `hostname` as the URL parser normalises it (IPv4 in dotted decimal, IPv6 in brackets). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

const boolFlag = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => ["true", "1", "yes"].includes(v));
const httpUrl = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();

export interface KooGalleryConfig {
  accessKey: string;
  timestampToleranceS: number;
  frontendUrl: string | null;
}

export function kooGalleryConfig(env: Bindings): KooGalleryConfig {
  const frontendUrl = trimmed(env.KOOGALLERY_FRONTEND_URL);
  return {
    accessKey: required(env, "KOOGALLERY_ACCESS_KEY"),
    timestampToleranceS: parsed(env, "KOOGALLERY_TIMESTAMP_TOLERANCE_S", positiveInt, "60"),
    frontendUrl: frontendUrl ? parsed(env, "KOOGALLERY_FRONTEND_URL", httpUrl, "") : null,
  };
}

/**
 * `RETRY_DELAY_SCALE`: multiplies every wait of the delivery machinery (retry delays, the
 * outbox lease and re-send, the wait for refs) so that chaos and soak runs live through days of
 * retries in minutes. 1 in production; only a run that wants compressed time sets it lower.
 */
export function retryDelayScale(env: Bindings): number {
  return parsed(env, "RETRY_DELAY_SCALE", z.coerce.number().positive().max(1), "1");
}

export function forwardPersonalData(env: Bindings): boolean {
  return parsed(env, "FORWARD_PERSONAL_DATA", boolFlag, "false");
}

export interface ActivePlatformConfig {
  pathSecret: string;
  allowedApGuids: string[];
}

export function activePlatformConfig(env: Bindings): ActivePlatformConfig {
  const pathSecret = required(env, "ACTIVEPLATFORM_PATH_SECRET");
  if (pathSecret.length < 16) throw new ConfigError("ACTIVEPLATFORM_PATH_SECRET", "is too short (use 32+ random characters)");
  const allowedApGuids = trimmed(env.ACTIVEPLATFORM_ALLOWED_AP_GUIDS)
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean);
  return { pathSecret, allowedApGuids };
}

export function adminToken(env: Bindings): string {
  return required(env, "ADMIN_TOKEN");
}

export interface VendorConfig {
  url: string;
  secret: string;
}

export interface KooDriveConfig {
  baseUrl: string;
  userId: string;
  auth: { mode: "token"; account: string; password: string; agentName: string; scheme: "bearer" | "raw" } | { mode: "app"; appId: string; appSecret: string };
}

export interface MorConfig {
  baseUrl: string;
  username: string;
  secret: string;
  deleteAction: 1 | 2 | 3;
}

export type ConnectorName = "vendor" | "koodrive" | "mor";
export const CONNECTORS: readonly ConnectorName[] = ["vendor", "koodrive", "mor"];

/** A connector is enabled when its base URL is set; its other settings are checked when it is used. */
export function enabledConnectors(env: Bindings): ConnectorName[] {
  const urls: Record<ConnectorName, string | undefined> = {
    vendor: env.VENDOR_WEBHOOK_URL,
    koodrive: env.KOODRIVE_BASE_URL,
    mor: env.MOR_BASE_URL,
  };
  return CONNECTORS.filter((c) => trimmed(urls[c]) !== "");
}

export function vendorConfig(env: Bindings): VendorConfig {
  const secret = required(env, "VENDOR_WEBHOOK_SECRET");
  if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(secret)) throw new ConfigError("VENDOR_WEBHOOK_SECRET", "must be whsec_ followed by base64");
  return { url: partnerUrl(env, "VENDOR_WEBHOOK_URL"), secret };
}

export function kooDriveConfig(env: Bindings): KooDriveConfig {
  const baseUrl = partnerUrl(env, "KOODRIVE_BASE_URL");
  const userId = required(env, "KOODRIVE_USER_ID");
  const mode = parsed(env, "KOODRIVE_AUTH_MODE", z.enum(["token", "app"]), "token");
  if (mode === "app") {
    return { baseUrl, userId, auth: { mode, appId: required(env, "KOODRIVE_APP_ID"), appSecret: required(env, "KOODRIVE_APP_SECRET") } };
  }
  return {
    baseUrl,
    userId,
    auth: {
      mode,
      account: required(env, "KOODRIVE_ACCOUNT"),
      password: required(env, "KOODRIVE_PASSWORD"),
      agentName: required(env, "KOODRIVE_AGENT_NAME"),
      scheme: parsed(env, "KOODRIVE_TOKEN_SCHEME", z.enum(["bearer", "raw"]), "bearer"),
    },
  };
}

export function morConfig(env: Bindings): MorConfig {
  return {
    baseUrl: partnerUrl(env, "MOR_BASE_URL"),
    username: required(env, "MOR_USERNAME"),
    secret: required(env, "MOR_API_SECRET"),
    deleteAction: parsed(
      env,
      "MOR_DELETE_ACTION",
      z.enum(["1", "2", "3"]).transform((v) => Number(v) as 1 | 2 | 3),
      "1",
    ),
  };
}

export interface OpsConfig {
  url: string;
  secret: string;
}

/** Operational events are on when OPS_WEBHOOK_URL is set; the secret is checked when they are sent. */
export function opsEnabled(env: Bindings): boolean {
  return trimmed(env.OPS_WEBHOOK_URL) !== "";
}

export function opsConfig(env: Bindings): OpsConfig {
  const url = parsed(env, "OPS_WEBHOOK_URL", outboundUrl, "");
  const secret = required(env, "OPS_WEBHOOK_SECRET");
  if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(secret)) throw new ConfigError("OPS_WEBHOOK_SECRET", "must be whsec_ followed by base64");
  return { url, secret };
}

/** `RECONCILE_REPAIR`: drift found by the sweep is re-sent through the outbox (docs/reconciliation.md). */
export function reconcileRepair(env: Bindings): boolean {
  return parsed(env, "RECONCILE_REPAIR", boolFlag, "false");
}

/** `ENTITLEMENTS_TOKEN`: the vendor app's bearer token for `GET /entitlements/{key}`; unset closes the route. */
export function entitlementsToken(env: Bindings): string {
  const token = required(env, "ENTITLEMENTS_TOKEN");
  if (token.length < 16) throw new ConfigError("ENTITLEMENTS_TOKEN", "is too short (use 32+ random characters)");
  return token;
}

/** Requests per second per connector when `CONNECTOR_RATE_LIMITS` does not name it. */
const DEFAULT_RATE_LIMITS: Readonly<Record<ConnectorName, number>> = { vendor: 50, koodrive: 5, mor: 5 };

/**
 * `CONNECTOR_RATE_LIMITS`, e.g. `mor=5,koodrive=5,vendor=50`: requests per second each consumer
 * isolate sends a partner (docs/operations-index.md, "Rate limit per partner"). Unnamed connectors
 * keep their default.
 */
export function connectorRateLimits(env: Bindings): Record<ConnectorName, number> {
  const out = { ...DEFAULT_RATE_LIMITS };
  const raw = trimmed(env.CONNECTOR_RATE_LIMITS);
  if (!raw) return out;
  for (const part of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)\s*=\s*(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !(CONNECTORS as readonly string[]).includes(m[1]!)) {
      throw new ConfigError("CONNECTOR_RATE_LIMITS", `is malformed: expected name=requests-per-second for ${CONNECTORS.join(", ")}, separated by commas`);
    }
    const rate = Number(m[2]);
    if (!(rate > 0)) throw new ConfigError("CONNECTOR_RATE_LIMITS", "is malformed: a rate must be greater than 0");
    out[m[1] as ConnectorName] = rate;
  }
  return out;
}

/** Every configuration problem, for /healthz. Messages name settings only. */
export function configProblems(env: Bindings): string[] {
  const checks: Array<() => unknown> = [
    () => kooGalleryConfig(env),
    () => forwardPersonalData(env),
    () => retryDelayScale(env),
    () => activePlatformConfig(env),
    () => adminToken(env),
    () => reconcileRepair(env),
    () => connectorRateLimits(env),
  ];
  // Unset is a documented state (the route answers 503); only a set but unusable token is a problem.
  if (trimmed(env.ENTITLEMENTS_TOKEN) !== "") checks.push(() => entitlementsToken(env));
  const enabled = enabledConnectors(env);
  if (enabled.includes("vendor")) checks.push(() => vendorConfig(env));
  if (enabled.includes("koodrive")) checks.push(() => kooDriveConfig(env));
  if (enabled.includes("mor")) checks.push(() => morConfig(env));
  if (opsEnabled(env)) checks.push(() => opsConfig(env));
  const problems: string[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(err.message);
      else throw err;
    }
  }
  return problems;
}
