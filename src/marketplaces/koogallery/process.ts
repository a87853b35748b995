/**
 * @module marketplaces/koogallery/process
 * Carries out a verified KooGallery call against the instance Durable Objects and returns the
 * business answer body (unsigned). Thin: the decisions live in the state machine and the object.
 */
import type { Bindings } from "../../bindings";
import { forwardPersonalData, type KooGalleryConfig } from "../../config";
import type { ApplyResult } from "../../instance/instance-object";
import type { JsonObject, LifecycleCommand } from "../../lifecycle/types";
import { cachedAnswer, rememberAnswer } from "./answer-cache";
import { appInfoFor } from "./app-info";
import { commandFor, instanceKey } from "./commands";
import { decryptCredential } from "./crypto/aes";
import type { KooGalleryCall } from "./inbound";
import { answerBody } from "./respond";
import { KooGalleryFault, RESULT } from "./result-codes";
import { instanceObject } from "../../instance/stub";

const MAX_QUERY_IDS = 100;

export async function processCall(call: KooGalleryCall, env: Bindings, config: KooGalleryConfig, ctx: ExecutionContext): Promise<JsonObject> {
  if (call.activity === "queryInstance") return queryInstances(call, env, config);

  const raw = forwardPersonalData(env) ? await withDecryptedContacts(call.raw, config.accessKey) : call.raw;
  const cmd = await commandFor(call.generation, call.params, raw);
  if (!cmd) throw new KooGalleryFault(RESULT.invalidParameter, `unknown activity: ${call.activity}`);
  const cacheable = call.generation === "v1" && cmd.keyScope === "order";
  if (cacheable) {
    const hit = await cachedAnswer(env.CACHE, cmd.eventKey);
    if (hit) return hit;
  }
  if (call.nonce) cmd.nonce = call.nonce;
  cmd.marketTime = call.marketTime;

  const result = await instanceObject(env, cmd.instanceKey).apply(cmd);
  const body = await render(result, cmd, call, config);
  if (cacheable && result.outcome === "duplicate") ctx.waitUntil(rememberAnswer(env.CACHE, cmd.eventKey, body, cmd.action === "provision"));
  return body;
}

async function render(result: ApplyResult, cmd: LifecycleCommand, call: KooGalleryCall, config: KooGalleryConfig): Promise<JsonObject> {
  if (result.outcome === "rejected") {
    if (result.reason === "replayed_nonce") throw new KooGalleryFault(RESULT.authFailed, "nonce already used");
    if (result.reason === "stale_timestamp") throw new KooGalleryFault(RESULT.authFailed, result.message);
    if (result.reason === "unknown_instance" || result.reason === "released" || result.reason === "not_owner")
      throw new KooGalleryFault(RESULT.instanceNotFound, result.message);
    throw new KooGalleryFault(RESULT.invalidParameter, result.message);
  }
  if (cmd.action !== "provision") return answerBody(RESULT.success);
  const instanceId = String(result.answer.instanceId ?? result.instance.externalId);
  if (call.generation === "v2") return answerBody(RESULT.success, undefined, { instanceId });
  const { appInfo, encryptType } = await appInfoFor(result.instance, config, "v1");
  return answerBody(RESULT.success, undefined, { ...(encryptType ? { encryptType } : {}), instanceId, appInfo });
}

async function queryInstances(call: KooGalleryCall, env: Bindings, config: KooGalleryConfig): Promise<JsonObject> {
  const ids = [
    ...new Set(
      (call.params.instanceId ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length === 0) throw new KooGalleryFault(RESULT.invalidParameter, "missing parameter: instanceId");
  if (ids.length > MAX_QUERY_IDS) throw new KooGalleryFault(RESULT.invalidParameter, `invalid parameter instanceId: at most ${MAX_QUERY_IDS} ids`);
  if (ids.some((id) => id.length > 64)) throw new KooGalleryFault(RESULT.invalidParameter, "invalid parameter instanceId: an id is longer than 64 characters");
  if (call.nonce && !(await instanceObject(env, instanceKey(ids[0]!)).claimNonce(call.nonce))) {
    throw new KooGalleryFault(RESULT.authFailed, "nonce already used or timestamp outside the allowed window");
  }
  const instances = await Promise.all(ids.map((id) => instanceObject(env, instanceKey(id)).view()));
  const info: JsonObject[] = [];
  let encryptType: string | undefined;
  for (const instance of instances) {
    if (!instance || instance.state === "released") continue;
    const built = await appInfoFor(instance, config, call.generation);
    encryptType ??= built.encryptType;
    info.push({ instanceId: instance.externalId, appInfo: built.appInfo });
  }
  if (info.length === 0) throw new KooGalleryFault(RESULT.instanceNotFound, "no such instance");
  return answerBody(RESULT.success, undefined, { ...(encryptType ? { encryptType } : {}), info });
}

/** With FORWARD_PERSONAL_DATA on, the vendor gets the buyer's contacts in clear, not KooGallery's ciphertext. */
async function withDecryptedContacts(raw: JsonObject, accessKey: string): Promise<JsonObject> {
  const out = { ...raw };
  for (const field of ["mobilePhone", "email"]) {
    const value = out[field];
    if (typeof value !== "string" || value === "") continue;
    const decrypted = await decryptCredential(accessKey, value);
    if (decrypted) out[field] = decrypted.plaintext;
  }
  return out;
}
