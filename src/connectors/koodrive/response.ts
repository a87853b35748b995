/**
 * @module connectors/koodrive/response
 * Classifies KooDrive answers (koodrive.md §B.3, §B.7) and reads login/refresh sessions.
 * Envelope: HTTP 200 with `{"code": 0 | "0" | …, "msg": "…", "data"?: …}`; success iff HTTP 200 and
 * `String(code) === "0"`. There is no published error-code table, so auth failures are recognised
 * by status (401/403) or by wording.
 */
import { z } from "zod";
import { classifyHttpStatus, excerptRedacted, parseRetryAfter, type AttemptOutcome } from "../../delivery/outcome";
import { parseJsonKeepingLongIntegers } from "./json";

const Envelope = z.object({
  code: z.union([z.string(), z.number()]),
  msg: z.unknown().optional(),
  data: z.unknown().optional(),
});
type Envelope = z.infer<typeof Envelope>;

function parseEnvelope(text: string): Envelope | undefined {
  let json: unknown;
  try {
    json = parseJsonKeepingLongIntegers(text);
  } catch {
    return undefined;
  }
  const parsed = Envelope.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Wording that marks a credential problem (spec: code/msg "mentioning token/auth/expired"). Caveat:
 * a business message such as "package expired" also matches; it then costs one token refresh and is
 * retried as transient until the retry horizon, which is bounded and visible, not lost.
 */
const AUTH_HINT = /token|auth|expired/i;

const describe = (env: Envelope): string => `code ${String(env.code)}${typeof env.msg === "string" ? `: ${env.msg}` : ""}`;

export function classifyKooDriveResponse(
  status: number,
  text: string,
  retryAfter: string | null = null,
  nowMs: number = Date.now(),
): AttemptOutcome {
  // Login/refresh answers carry tokens; never log them.
  const logged = excerptRedacted(text);
  const env = parseEnvelope(text);

  if (status === 401 || status === 403) {
    return { kind: "auth", status, excerpt: logged, reason: `KooDrive answered HTTP ${status}` };
  }
  if (status === 200 && env !== undefined && String(env.code) === "0") {
    return env.data === undefined
      ? { kind: "delivered", status, excerpt: logged }
      : { kind: "delivered", status, excerpt: logged, data: env.data };
  }
  const verdict = classifyHttpStatus(status);
  if (verdict === "transient") {
    const retryAfterS = parseRetryAfter(retryAfter, nowMs);
    const reason = `KooDrive answered HTTP ${status}`;
    return retryAfterS === undefined
      ? { kind: "transient", status, excerpt: logged, reason }
      : { kind: "transient", status, excerpt: logged, reason, retryAfterS };
  }
  if (env !== undefined && (AUTH_HINT.test(String(env.code)) || (typeof env.msg === "string" && AUTH_HINT.test(env.msg)))) {
    return { kind: "auth", status, excerpt: logged, reason: `KooDrive rejected the credentials (${describe(env)})` };
  }
  if (verdict === "ok" && (env === undefined || String(env.code) === "0")) {
    // A 2xx that is not the envelope is a proxy or an outage page, and "code 0" on a status other
    // than the documented 200 is not a verdict we can trust either way.
    return { kind: "transient", status, excerpt: logged, reason: `KooDrive answered HTTP ${status} without a usable {code,msg} envelope` };
  }
  const reason = env === undefined ? `KooDrive answered HTTP ${status}` : `KooDrive HTTP ${status}, ${describe(env)}`;
  return { kind: "permanent", status, excerpt: logged, reason };
}

const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

const SessionReply = z.object({
  code: z.union([z.string(), z.number()]),
  msg: z.unknown().optional(),
  data: z.object({
    userInfo: z.object({ userId: z.union([z.string(), z.number()]).optional() }).optional(),
    sessionInfo: z.object({
      accessToken: z.string().min(1),
      refreshToken: z.string().min(1),
      /** Seconds. */
      expiresIn: numeric.pipe(z.number().int().positive()),
      /** Epoch milliseconds, documented as a string. */
      issuedAt: numeric.pipe(z.number().int().nonnegative()),
    }),
  }),
});

export interface KooDriveSession {
  accessToken: string;
  refreshToken: string;
  expiresAtMs: number;
  userId?: string;
}

/**
 * Reads a Login or RefreshToken answer (the whole `{code,msg,data}` body, raw text or parsed).
 * Pass the raw text when you have it: a numeric userId above 2^53 only survives that way. Errors
 * name the offending fields, never their values.
 */
export function parseSession(json: unknown): KooDriveSession {
  let value = json;
  if (typeof json === "string") {
    try {
      value = parseJsonKeepingLongIntegers(json);
    } catch {
      throw new Error("KooDrive session answer is not JSON");
    }
  }
  if (value !== null && typeof value === "object" && "code" in value && String(value.code) !== "0") {
    const msg = "msg" in value && typeof value.msg === "string" ? `: ${value.msg}` : "";
    throw new Error(`KooDrive login/refresh failed with code ${String(value.code)}${msg}`);
  }
  const parsed = SessionReply.safeParse(value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(root)"))].join(", ");
    throw new Error(`KooDrive session answer is malformed at: ${fields}`);
  }
  const { userInfo, sessionInfo } = parsed.data.data;
  const session: KooDriveSession = {
    accessToken: sessionInfo.accessToken,
    refreshToken: sessionInfo.refreshToken,
    expiresAtMs: sessionInfo.issuedAt + sessionInfo.expiresIn * 1000,
  };
  if (userInfo?.userId !== undefined) session.userId = String(userInfo.userId);
  return session;
}
