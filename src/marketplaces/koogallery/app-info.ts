/**
 * @module marketplaces/koogallery/app-info
 * The `appInfo` KooGallery shows the buyer: from the instance (set by the vendor's webhook reply or
 * the admin API), else the configured default front-end URL. V1 encrypts userName/password
 * (AES-256, `encryptType` "1"); V2 returns them in clear, as its tables and Huawei's sample do
 * (docs/koogallery.md §6 #9).
 */
import type { KooGalleryConfig } from "../../config";
import type { InstanceRecord, JsonObject } from "../../lifecycle/types";
import type { Generation } from "./commands";
import { CredentialTooLong, encryptCredential } from "./crypto/aes";
import { KooGalleryFault, RESULT } from "./result-codes";

const ENCRYPT_TYPE_AES256 = "1";

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export async function appInfoFor(
  instance: InstanceRecord,
  config: KooGalleryConfig,
  generation: Generation,
): Promise<{ appInfo: JsonObject; encryptType?: string }> {
  const stored = instance.appInfo;
  const frontEndUrl = text(stored.frontEndUrl) ?? config.frontendUrl;
  if (!frontEndUrl) {
    throw new KooGalleryFault(RESULT.internalError, "configuration KOOGALLERY_FRONTEND_URL is not set and the vendor supplied no frontEndUrl");
  }
  const appInfo: JsonObject = { frontEndUrl };
  const adminUrl = text(stored.adminUrl);
  if (adminUrl) appInfo.adminUrl = adminUrl;
  const userName = text(stored.userName);
  const password = text(stored.password);
  const memo = text(stored.memo);
  let encrypted = false;
  for (const [name, value] of [
    ["userName", userName],
    ["password", password],
  ] as const) {
    if (!value) continue;
    if (generation !== "v1") {
      appInfo[name] = value;
      continue;
    }
    try {
      appInfo[name] = await encryptCredential(config.accessKey, value);
      encrypted = true;
    } catch (err) {
      if (!(err instanceof CredentialTooLong)) throw err;
      // KooGallery refuses an answer with a credential over 128 characters: leave it out, and say
      // so to the operator (the vendor must shorten it), never the value.
      console.warn({
        msg: "V1 credential left out of queryInstance: too long to encrypt within 128 characters",
        instance: instance.key,
        field: name,
        bytes: err.bytes,
      });
    }
  }
  if (memo) appInfo.memo = memo;
  return encrypted ? { appInfo, encryptType: ENCRYPT_TYPE_AES256 } : { appInfo };
}
