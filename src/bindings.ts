/**
 * @module bindings
 * The Worker's bindings as wrangler.toml declares them. Config values are raw strings here;
 * `src/config.ts` parses and validates them.
 */
import type { InstanceObject } from "./instance/instance-object";
import type { KooDriveSessionObject } from "./connectors/koodrive/session-object";

export interface Bindings {
  INSTANCES: DurableObjectNamespace<InstanceObject>;
  KOODRIVE_SESSION: DurableObjectNamespace<KooDriveSessionObject>;
  CACHE: KVNamespace;
  DELIVERIES: Queue;
  DEAD_LETTERS: Queue;

  KOOGALLERY_ACCESS_KEY?: string;
  KOOGALLERY_TIMESTAMP_TOLERANCE_S?: string;
  KOOGALLERY_FRONTEND_URL?: string;
  FORWARD_PERSONAL_DATA?: string;
  ACTIVEPLATFORM_PATH_SECRET?: string;
  ACTIVEPLATFORM_ALLOWED_AP_GUIDS?: string;
  ADMIN_TOKEN?: string;
  VENDOR_WEBHOOK_URL?: string;
  VENDOR_WEBHOOK_SECRET?: string;
  KOODRIVE_BASE_URL?: string;
  KOODRIVE_AUTH_MODE?: string;
  KOODRIVE_ACCOUNT?: string;
  KOODRIVE_PASSWORD?: string;
  KOODRIVE_AGENT_NAME?: string;
  KOODRIVE_TOKEN_SCHEME?: string;
  KOODRIVE_APP_ID?: string;
  KOODRIVE_APP_SECRET?: string;
  KOODRIVE_USER_ID?: string;
  MOR_BASE_URL?: string;
  MOR_USERNAME?: string;
  MOR_API_SECRET?: string;
  MOR_DELETE_ACTION?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends Bindings {}
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "InstanceObject" | "KooDriveSessionObject";
    }
  }
}
