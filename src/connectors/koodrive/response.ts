/**
 * @module connectors/koodrive/response
 * Classifies KooDrive answers (docs/koodrive.md §B.3, §B.7) and reads login/refresh sessions.
 * Envelope: HTTP 200 with `{"code": 0 | "0" | …, "msg": "…", "data"?: …}`; success iff HTTP 200 and
 * `String(code) === "0"`.
 *
 * An answer is a credential failure only by HTTP status (docs/koodrive.md §B.7): 401, or a 403 whose
 * body names the token or the session. Never by words in `msg`: "The package has expired" is a
 * business answer about the package, and reading it as an expired token would refresh and log in
 * again on every attempt. No error-code table is published, so no `code` means "auth" either.
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

/** A 403 that is about our token or session (so a refresh or a new login can help). */
const NAMES_CREDENTIALS = /token|session/i;
/** A 403 because the caller is not white-listed for the carrier APIs (docs/koodrive.md §B.5). */
const NAMES_WHITELIST = /white[\s_-]?list|allow[\s_-]?list/i;

const describe = (env: Envelope): string => `code ${String(env.code)}${typeof env.msg === "string" ? `: ${env.msg}` : ""}`;

export function classifyKooDriveResponse(status: number, text: string, retryAfter: string | null = null, nowMs: number = Date.now()): AttemptOutcome {
  // Login/refresh answers carry tokens; never log them.
  const logged = excerptRedacted(text);
  const env = parseEnvelope(text);

  if (status === 401) {
    return { kind: "auth", status, excerpt: logged, reason: `KooDrive answered HTTP ${status}` };
  }
  if (status === 403) {
    // Whitelist first: a message about the app's whitelist may mention tokens too, and no refresh fixes it.
    if (NAMES_WHITELIST.test(text)) {
      return {
        kind: "permanent",
        status,
        excerpt: logged,
        reason: `KooDrive answered HTTP 403: the caller is not on KooDrive's white list for the carrier APIs (configuration: ask Huawei to add it, then replay)${env ? ` (${describe(env)})` : ""}`,
      };
    }
    if (NAMES_CREDENTIALS.test(text)) {
      return { kind: "auth", status, excerpt: logged, reason: `KooDrive answered HTTP 403 about the credentials${env ? ` (${describe(env)})` : ""}` };
    }
    return { kind: "permanent", status, excerpt: logged, reason: `KooDrive answered HTTP 403${env ? `, ${describe(env)}` : ""}` };
  }
  if (status === 200 && env !== undefined && String(env.code) === "0") {
    return env.data === undefined ? { kind: "delivered", status, excerpt: logged } : { kind: "delivered", status, excerpt: logged, data: env.data };
  }
  const verdict = classifyHttpStatus(status);
  if (verdict === "transient") {
    const retryAfterS = parseRetryAfter(retryAfter, nowMs);
    const reason = `KooDrive answered HTTP ${status}`;
    return retryAfterS === undefined
      ? { kind: "transient", status, excerpt: logged, reason }
      : { kind: "transient", status, excerpt: logged, reason, retryAfterS };
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
