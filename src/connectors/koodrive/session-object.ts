/**
 * @module connectors/koodrive/session-object
 * The one KooDrive session shared by every delivery (koodrive.md §B.4): a single Durable Object
 * logs in, refreshes before expiry and hands out the access token, so concurrent deliveries never
 * stampede the login endpoint. Tokens stay in this object's storage and are never logged.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../bindings";
import { kooDriveConfig } from "../../config";
import { attemptFetch } from "../http";
import { KOODRIVE_PATHS, koodriveUrl, loginBody, refreshTokenBody } from "./requests";
import { parseSession, type KooDriveSession } from "./response";

/** Refresh this long before the token expires (koodrive.md §B.4 client rules). */
export const REFRESH_MARGIN_MS = 120_000;
const SESSION_KEY = "session";

export type SessionNeed = "valid" | "refreshed" | "fresh-login";

export class KooDriveSessionObject extends DurableObject<Bindings> {
  #inflight: Promise<KooDriveSession> | null = null;

  /**
   * An access token: the cached one while valid, else refreshed, else a new login.
   * `refreshed` forces a refresh (the partner rejected the token); `fresh-login` forces a login.
   */
  async accessToken(need: SessionNeed = "valid"): Promise<string> {
    // Concurrent callers share one login/refresh: fetch() lets requests interleave here.
    this.#inflight ??= this.#obtain(need).finally(() => {
      this.#inflight = null;
    });
    return (await this.#inflight).accessToken;
  }

  async #obtain(need: SessionNeed): Promise<KooDriveSession> {
    const cached = await this.ctx.storage.get<KooDriveSession>(SESSION_KEY);
    if (need === "valid" && cached && Date.now() < cached.expiresAtMs - REFRESH_MARGIN_MS) return cached;
    if (need !== "fresh-login" && cached) {
      const refreshed = await this.#call(KOODRIVE_PATHS.refreshToken, refreshTokenBody(cached.refreshToken), { authorization: cached.accessToken }).catch(() => null);
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
    if (result.status !== 200) throw new Error(`KooDrive ${path} answered HTTP ${result.status}`);
    const session = parseSession(result.text);
    await this.ctx.storage.put(SESSION_KEY, session);
    return session;
  }
}
