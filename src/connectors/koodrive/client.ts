/**
 * @module connectors/koodrive/client
 * notifyPackageExpire (type 2) when an instance enters the reservation period. Every attempt gets
 * a fresh X-Date and signature (15-minute window). In token mode an auth failure refreshes the
 * session once, then logs in again, then gives up for this attempt (the queue retries later). A
 * login KooDrive refuses or redirects is final: it needs a configuration change, not another login.
 */
import type { Bindings } from "../../bindings";
import { kooDriveConfig, type KooDriveConfig } from "../../config";
import type { DeliveryMessage } from "../../delivery/message";
import type { AttemptOutcome } from "../../delivery/outcome";
import { attemptFetch, isRedirect } from "../http";
import { fromHttpError, fromRedirect } from "../outcome-from-http";
import { notifyPackageExpireRequest, type KooDriveAuth } from "./requests";
import { classifyKooDriveResponse } from "./response";
import type { SessionAnswer, SessionNeed } from "./session-object";
import { rpcClient } from "../../rpc";

const TOKEN_ESCALATION: readonly SessionNeed[] = ["valid", "refreshed", "fresh-login"];

export async function deliverToKooDrive(message: DeliveryMessage, env: Bindings): Promise<AttemptOutcome> {
  const config = kooDriveConfig(env);
  if (config.auth.mode === "app") return notifyOnce(message, config, { mode: "app", appId: config.auth.appId, appSecret: config.auth.appSecret });

  const session = rpcClient(env.KOODRIVE_SESSION, "default");
  let outcome: AttemptOutcome = { kind: "transient", excerpt: "", reason: "no attempt made" };
  for (const need of TOKEN_ESCALATION) {
    let answer: SessionAnswer;
    try {
      answer = await session.accessToken(need);
    } catch (err) {
      return { kind: "transient", excerpt: "", reason: `KooDrive session unavailable: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!answer.ok) {
      return answer.final
        ? { kind: "permanent", excerpt: "", reason: answer.reason }
        : { kind: "transient", excerpt: "", reason: `KooDrive session unavailable: ${answer.reason}` };
    }
    const accessToken = answer.accessToken;
    outcome = await notifyOnce(message, config, { mode: "token", accessToken, scheme: config.auth.scheme });
    if (outcome.kind !== "auth") return outcome;
  }
  // Credentials rejected even after a fresh login: retry later like any transient failure.
  return { ...outcome, kind: "transient", reason: `KooDrive rejected the credentials after a fresh login (${outcome.kind === "auth" ? outcome.reason : ""})` };
}

async function notifyOnce(message: DeliveryMessage, config: KooDriveConfig, auth: KooDriveAuth): Promise<AttemptOutcome> {
  const request = await notifyPackageExpireRequest({
    baseUrl: config.baseUrl,
    auth,
    userId: config.userId,
    carrierUserId: message.refs["koodrive.carrierUserId"] ?? "",
    packageId: message.refs["koodrive.packageId"] ?? "",
    deliveryId: message.deliveryId,
    nowMs: Date.now(),
  });
  const result = await attemptFetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  if (result.kind === "error") return fromHttpError(result);
  if (isRedirect(result.status)) return fromRedirect("KooDrive", "KOODRIVE_BASE_URL", result);
  return classifyKooDriveResponse(result.status, result.text, result.retryAfter, Date.now());
}
