/**
 * @module connectors/koodrive/requests
 * Request bodies, paths and auth headers for the KooDrive carrier API (docs/koodrive.md §B.3–B.6).
 * Everything is rebuilt per attempt: X-Date must be within 15 minutes and is signed in app mode.
 */
import { appAuthorization } from "./app-signature";
import { traceIdFor } from "./trace-id";
import { koodriveXDate } from "./x-date";

export const KOODRIVE_PATHS = Object.freeze({
  login: "/koodrive/ose/v1/auth/login",
  refreshToken: "/koodrive/ose/v1/auth/refreshToken",
  notifyPackageExpire: "/koodrive/ose/v1/carrier/users/notifyPackageExpire",
} as const);

/** notifyPackageExpire `type`: package expired, user enters the reservation (retention) period. */
const PACKAGE_EXPIRED_TYPE = 2;

export type TokenScheme = "bearer" | "raw";

function required(field: string, value: string): string {
  if (value.trim() === "") throw new Error(`KooDrive ${field} must not be empty`);
  return value;
}

/** `{"carrierUserId":"…","type":2,"packageId":"…"}`: ids stay strings, key order is fixed. */
export function notifyPackageExpireBody({ carrierUserId, packageId }: { carrierUserId: string; packageId: string }): string {
  return JSON.stringify({
    carrierUserId: required("carrierUserId", carrierUserId),
    type: PACKAGE_EXPIRED_TYPE,
    packageId: required("packageId", packageId),
  });
}

/** Login with account + password (`authType` "1"). */
export function loginBody({ account, password }: { account: string; password: string }): string {
  return JSON.stringify({ account: required("account (KOODRIVE_ACCOUNT)", account), authType: "1", password });
}

export function refreshTokenBody(refreshToken: string): string {
  return JSON.stringify({ refreshToken: required("refreshToken", refreshToken) });
}

/**
 * `Authorization` in token mode. The login answer's `accessToken` already carries its own scheme
 * (`AT 3b91…`); whether the business APIs want it verbatim (`raw`) or behind `Bearer ` is still an
 * open question (docs/koodrive.md §B.4), hence KOODRIVE_TOKEN_SCHEME. The refresh call always uses `raw`.
 */
export function tokenAuthorization(accessToken: string, scheme: TokenScheme): string {
  if (accessToken.trim() === "") throw new Error("KooDrive access token is empty");
  switch (scheme) {
    case "bearer":
      return `Bearer ${accessToken}`;
    case "raw":
      return accessToken;
    default:
      throw new Error(`KOODRIVE_TOKEN_SCHEME must be "bearer" or "raw", got ${JSON.stringify(scheme as string)}`);
  }
}

/** `baseUrl` (KOODRIVE_BASE_URL, may carry a trailing slash) joined with an API path. */
export function koodriveUrl(baseUrl: string, path: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error(`KOODRIVE_BASE_URL is not a valid URL: ${JSON.stringify(baseUrl)}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new Error(`KOODRIVE_BASE_URL must be http(s), got ${JSON.stringify(parsed.protocol)}`);
  }
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}

export type KooDriveAuth = { mode: "token"; accessToken: string; scheme: TokenScheme } | { mode: "app"; appId: string; appSecret: string };

export interface NotifyPackageExpireInput {
  baseUrl: string;
  auth: KooDriveAuth;
  /** X-User-Id (KOODRIVE_USER_ID or the login's userId). */
  userId: string;
  carrierUserId: string;
  packageId: string;
  /** Stable delivery id; the x-traceid is derived from it. */
  deliveryId: string;
  nowMs: number;
}

export interface KooDriveRequest {
  method: "POST";
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A complete, signed notifyPackageExpire request for one attempt. */
export async function notifyPackageExpireRequest(input: NotifyPackageExpireInput): Promise<KooDriveRequest> {
  const url = koodriveUrl(input.baseUrl, KOODRIVE_PATHS.notifyPackageExpire);
  const body = notifyPackageExpireBody(input);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-date": koodriveXDate(input.nowMs),
    "x-user-id": required("userId (KOODRIVE_USER_ID)", input.userId),
    "x-traceid": await traceIdFor(input.deliveryId),
  };
  headers.authorization =
    input.auth.mode === "token"
      ? tokenAuthorization(input.auth.accessToken, input.auth.scheme)
      : await appAuthorization({ ...input.auth, method: "POST", url, headers, body });
  return { method: "POST", url, headers, body };
}
