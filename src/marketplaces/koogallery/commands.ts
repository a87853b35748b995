/**
 * @module marketplaces/koogallery/commands
 * Turns a verified, validated KooGallery call into a canonical LifecycleCommand. Pure apart from
 * the instance-id hash.
 *
 * Event keys follow docs/koogallery.md §3.4: provisioning by order (+ orderLineId in V2, + productId in
 * V1 so that pay-per-use orders yielding several instances stay apart), renewal and upgrade by
 * their own order, status changes and release by instance + action (state-scoped). businessId
 * changes on every retry and is never part of a key.
 */
import { uuidFromDigestOf } from "../../crypto/uuid";
import { instanceKeyOf } from "../../instance/keys";
import type { JsonObject, LifecycleAction, LifecycleCommand } from "../../lifecycle/types";
import { parseExpireTime } from "./schemas";

export type Generation = "v1" | "v2";
export type Params = Record<string, string>;

export const instanceKey = (instanceId: string): string => instanceKeyOf("koogallery", instanceId);

/**
 * The instance id for a new order: a UUID-shaped digest of the order keys, so every retry of the
 * order, including one racing the first, names the same instance and the same Durable Object.
 */
export async function instanceIdForOrder(orderKey: string): Promise<string> {
  return uuidFromDigestOf(`koogallery-instance:${orderKey}`);
}

export function newInstanceOrderKey(generation: Generation, p: Params): string {
  return generation === "v1" ? `${p.orderId}:${p.productId}` : `${p.orderId}:${p.orderLineId}${p.productId ? `:${p.productId}` : ""}`;
}

const isTest = (p: Params): boolean => p.testFlag === "1";

/** Commercial facts worth keeping on the instance; personal fields stay in `raw` only. */
const PLAN_FIELDS = [
  "productId",
  "skuCode",
  "chargingMode",
  "periodType",
  "periodNumber",
  "trialFlag",
  "amount",
  "diskSize",
  "bandWidth",
  "orderLineId",
  "scene",
  "trialToFormal",
];

function planFrom(p: Params): JsonObject {
  const plan: JsonObject = {};
  for (const f of PLAN_FIELDS) if (p[f] !== undefined && p[f] !== "") plan[f] = p[f];
  return plan;
}

function base(
  generation: Generation,
  p: Params,
  raw: JsonObject,
  instanceId: string,
  action: LifecycleAction,
  eventKey: string,
  keyScope: LifecycleCommand["keyScope"],
): LifecycleCommand {
  return {
    instanceKey: instanceKey(instanceId),
    source: "koogallery",
    externalId: instanceId,
    action,
    eventKey: `koogallery:${eventKey}`,
    keyScope,
    test: isTest(p),
    origin: { system: "koogallery", activity: p.activity ?? "", ...(p.orderId ? { orderId: p.orderId } : {}), raw: { ...raw, generation } },
    answer: { instanceId },
  };
}

/** The lifecycle command for one activity; queryInstance is a read and has none. */
export async function commandFor(generation: Generation, p: Params, raw: JsonObject): Promise<LifecycleCommand | null> {
  const stateKey = (action: LifecycleAction) => base(generation, p, raw, p.instanceId!, action, `${p.instanceId}:${action}`, "state");
  switch (p.activity) {
    case "newInstance": {
      const orderKey = newInstanceOrderKey(generation, p);
      const instanceId = await instanceIdForOrder(orderKey);
      const cmd = base(generation, p, raw, instanceId, "provision", `newInstance:${orderKey}`, "order");
      return { ...cmd, plan: planFrom(p), expiresAt: p.expireTime ? parseExpireTime(p.expireTime) : null };
    }
    case "refreshInstance": {
      const cmd = base(generation, p, raw, p.instanceId!, "renew", `refreshInstance:${p.orderId}`, "order");
      return { ...cmd, plan: planFrom(p), expiresAt: parseExpireTime(p.expireTime!) };
    }
    case "upgrade":
    case "upgradeInstance": {
      const cmd = base(generation, p, raw, p.instanceId!, "update", `upgrade:${p.orderId}`, "order");
      return { ...cmd, plan: { ...planFrom(p), upgradeOrderId: p.orderId! } };
    }
    case "expireInstance":
      return stateKey("expire");
    case "releaseInstance":
      return stateKey("release");
    case "instanceStatus":
      return stateKey(p.instanceStatus === "FREEZE" ? "expire" : "resume");
    case "updateInstanceStatus":
      return stateKey(p.status === "FREEZE" ? "expire" : "resume");
    default:
      return null;
  }
}
