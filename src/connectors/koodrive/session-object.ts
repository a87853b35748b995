/**
 * @module connectors/koodrive/session-object
 * The one KooDrive session shared by every delivery (docs/koodrive.md §B.4): a single Durable Object
 * logs in, refreshes before expiry and hands out the access token, so concurrent deliveries never
 * stampede the login endpoint. Tokens stay in this object's storage and are never logged.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../bindings";
import { kooDriveConfig } from "../../config";
import { attemptFetch, isRedirect } from "../http";
import { KOODRIVE_PATHS, koodriveUrl, loginBody, refreshTokenBody } from "./requests";
import { parseSession, type KooDriveSession } from "./response";

/** Refresh this long before the token expires (docs/koodrive.md §B.4 client rules). */
const REFRESH_MARGIN_MS = 120_000;
const SESSION_KEY = "session";

export type SessionNeed = "valid" | "refreshed" | "fresh-login";

/**
 * An access token, or why there is none. `final`: retrying cannot help until an operator changes
 * the configuration (the login was refused, or KooDrive redirected), so the delivery is
 * dead-lettered rather than logging in again with the same credentials on every attempt.
 */
export type SessionAnswer = { ok: true; accessToken: string } | { ok: false; final: boolean; reason: string };

/** A session failure that only a configuration change can fix. */
class FinalSessionError extends Error {}

export class KooDriveSessionObject extends DurableObject<Bindings> {
  #inflight: Promise<KooDriveSession> | null = null;

  /**
   * An access token: the cached one while valid, else refreshed, else a new login.
   * `refreshed` forces a refresh (the partner rejected the token); `fresh-login` forces a login.
   */
  async accessToken(need: SessionNeed = "valid"): Promise<SessionAnswer> {
    // Concurrent callers share one login/refresh: fetch() lets requests interleave here.
    this.#inflight ??= this.#obtain(need).finally(() => {
      this.#inflight = null;
    });
    try {
      return { ok: true, accessToken: (await this.#inflight).accessToken };
    } catch (err) {
      return { ok: false, final: err instanceof FinalSessionError, reason: err instanceof Error ? err.message : String(err) };
    }
  }

  async #obtain(need: SessionNeed): Promise<KooDriveSession> {
    const cached = await this.ctx.storage.get<KooDriveSession>(SESSION_KEY);
    if (need === "valid" && cached && Date.now() < cached.expiresAtMs - REFRESH_MARGIN_MS) return cached;
    if (need !== "fresh-login" && cached) {
      const refreshed = await this.#call(KOODRIVE_PATHS.refreshToken, refreshTokenBody(cached.refreshToken), { authorization: cached.accessToken }).catch(
        () => null,
      );
      if (refreshed) return refreshed;
    }
    const config = kooDriveConfig(this.env);
    if (config.auth.mode !== "token") throw new Error("KooDrive session requested while KOODRIVE_AUTH_MODE is not token");
    return this.#call(KOODRIVE_PATHS.login, loginBody({ account: config.auth.account, password: config.auth.password }), {
      "x-hw-agentName": config.auth.agentName,
    });
  }

  async #call(path: string, body: string, headers: Record<string, string>): Promise<KooDriveSession> {
    const config = kooDriveConfig(this.env);
    const result = await attemptFetch(koodriveUrl(config.baseUrl, path), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    if (result.kind === "error") throw new Error(`KooDrive ${path}: ${result.message}`);
    if (isRedirect(result.status)) {
      const location = result.location === null ? "no Location header" : `Location: ${result.location.slice(0, 200)}`;
      throw new FinalSessionError(`KooDrive ${path} answered HTTP ${result.status} (${location}); redirects are never followed: check KOODRIVE_BASE_URL`);
    }
    if (path === KOODRIVE_PATHS.login && (result.status === 401 || result.status === 403)) {
      // Logging in again with the same account on every attempt of every delivery invites a lockout.
      throw new FinalSessionError(`KooDrive refused the login (HTTP ${result.status}): check KOODRIVE_ACCOUNT, KOODRIVE_PASSWORD and KOODRIVE_AGENT_NAME`);
    }
    if (result.status !== 200) throw new Error(`KooDrive ${path} answered HTTP ${result.status}`);
    const session = parseSession(result.text);
    await this.ctx.storage.put(SESSION_KEY, session);
    return session;
  }
}
