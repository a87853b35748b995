/**
 * KooGallery activity → lifecycle command: the action, the event key and its scope
 * (docs/koogallery.md §3.4: newInstance by order (+orderLineId in V2, +productId), refresh and
 * upgrade by their order, status changes and release by instance; never businessId), the test
 * flag, and which parameters become the plan. Instance ids for new orders were computed with
 * Python's hashlib (UUIDv8 of SHA-256 of "koogallery-instance:" + order key).
 */
import { describe, expect, it } from "vitest";
import type { LifecycleCommand } from "../../../src/lifecycle/types";
import { commandFor, newInstanceOrderKey, type Generation, type Params } from "../../../src/marketplaces/koogallery/commands";

const ID_V1_O1_P1 = "8d399304-de4b-8255-86b8-ddf130870880";
const ID_V2_O1_L1 = "4bcd0422-ca2e-8a8d-861d-6778a181c0d9";
const ID_V2_O1_L1_P1 = "735d44d6-f85d-8919-9361-533efc4078cd";

type Shape = Pick<LifecycleCommand, "action" | "eventKey" | "keyScope" | "externalId" | "instanceKey" | "test"> & {
  plan?: unknown;
  expiresAt?: unknown;
};

const shape = (cmd: LifecycleCommand): Shape => ({
  action: cmd.action,
  eventKey: cmd.eventKey,
  keyScope: cmd.keyScope,
  externalId: cmd.externalId,
  instanceKey: cmd.instanceKey,
  test: cmd.test,
  ...("plan" in cmd ? { plan: cmd.plan } : {}),
  ...("expiresAt" in cmd ? { expiresAt: cmd.expiresAt } : {}),
});

const stateCmd = (action: "expire" | "resume" | "release", test = false): Shape => ({
  action,
  eventKey: `koogallery:I-1:${action}`,
  keyScope: "state",
  externalId: "I-1",
  instanceKey: "koogallery:I-1",
  test,
});

describe("commandFor", () => {
  const rows: Array<[string, Generation, Params, Shape]> = [
    [
      "V1 newInstance: keyed by order + product; personal and retry fields stay out of the plan",
      "v1",
      {
        activity: "newInstance",
        orderId: "O-1",
        productId: "P-1",
        businessId: "B-1",
        customerId: "C-1",
        customerName: "demo",
        email: "enc",
        mobilePhone: "enc",
        skuCode: "S-1",
        chargingMode: "0",
        periodType: "month",
        periodNumber: "1",
        trialFlag: "0",
        orderAmount: "9.99",
        expireTime: "20250201000000",
        timeStamp: "20250101040000123",
      },
      {
        action: "provision",
        eventKey: "koogallery:newInstance:O-1:P-1",
        keyScope: "order",
        externalId: ID_V1_O1_P1,
        instanceKey: `koogallery:${ID_V1_O1_P1}`,
        test: false,
        plan: { productId: "P-1", skuCode: "S-1", chargingMode: "0", periodType: "month", periodNumber: "1", trialFlag: "0" },
        expiresAt: "2025-02-01T00:00:00.000Z",
      },
    ],
    [
      "V1 newInstance: a new businessId (a retry) names the same event and instance",
      "v1",
      { activity: "newInstance", orderId: "O-1", productId: "P-1", businessId: "B-2", customerId: "C-1" },
      {
        action: "provision",
        eventKey: "koogallery:newInstance:O-1:P-1",
        keyScope: "order",
        externalId: ID_V1_O1_P1,
        instanceKey: `koogallery:${ID_V1_O1_P1}`,
        test: false,
        plan: { productId: "P-1" },
        expiresAt: null,
      },
    ],
    [
      "V1 newInstance: empty parameters stay out of the plan",
      "v1",
      { activity: "newInstance", orderId: "O-1", productId: "P-1", businessId: "B-1", skuCode: "", periodType: "" },
      {
        action: "provision",
        eventKey: "koogallery:newInstance:O-1:P-1",
        keyScope: "order",
        externalId: ID_V1_O1_P1,
        instanceKey: `koogallery:${ID_V1_O1_P1}`,
        test: false,
        plan: { productId: "P-1" },
        expiresAt: null,
      },
    ],
    [
      "V2 newInstance: keyed by order + order line",
      "v2",
      { activity: "newInstance", orderId: "O-1", orderLineId: "L-1", businessId: "B-1", testFlag: "1" },
      {
        action: "provision",
        eventKey: "koogallery:newInstance:O-1:L-1",
        keyScope: "order",
        externalId: ID_V2_O1_L1,
        instanceKey: `koogallery:${ID_V2_O1_L1}`,
        test: true,
        plan: { orderLineId: "L-1" },
        expiresAt: null,
      },
    ],
    [
      "V2 newInstance: + product when sent",
      "v2",
      { activity: "newInstance", orderId: "O-1", orderLineId: "L-1", productId: "P-1", businessId: "B-1" },
      {
        action: "provision",
        eventKey: "koogallery:newInstance:O-1:L-1:P-1",
        keyScope: "order",
        externalId: ID_V2_O1_L1_P1,
        instanceKey: `koogallery:${ID_V2_O1_L1_P1}`,
        test: false,
        plan: { productId: "P-1", orderLineId: "L-1" },
        expiresAt: null,
      },
    ],
    [
      "V1 refreshInstance: keyed by its order, with the new expiry",
      "v1",
      {
        activity: "refreshInstance",
        instanceId: "I-1",
        orderId: "O-2",
        expireTime: "20260201000000",
        periodType: "year",
        periodNumber: "1",
        trialToFormal: "1",
      },
      {
        action: "renew",
        eventKey: "koogallery:refreshInstance:O-2",
        keyScope: "order",
        externalId: "I-1",
        instanceKey: "koogallery:I-1",
        test: false,
        plan: { periodType: "year", periodNumber: "1", trialToFormal: "1" },
        expiresAt: "2026-02-01T00:00:00.000Z",
      },
    ],
    [
      "V2 refreshInstance: the scene goes into the plan; milliseconds of expireTime are dropped",
      "v2",
      { activity: "refreshInstance", instanceId: "I-1", orderId: "O-2", orderLineId: "L-2", scene: "RENEWAL", expireTime: "20260201123456789" },
      {
        action: "renew",
        eventKey: "koogallery:refreshInstance:O-2",
        keyScope: "order",
        externalId: "I-1",
        instanceKey: "koogallery:I-1",
        test: false,
        plan: { orderLineId: "L-2", scene: "RENEWAL" },
        expiresAt: "2026-02-01T12:34:56.000Z",
      },
    ],
    [
      "V1 upgrade: keyed by its order; the order is kept on the plan",
      "v1",
      { activity: "upgrade", instanceId: "I-1", orderId: "O-3", productId: "P-2", skuCode: "S-2", amount: "5", diskSize: "100", bandWidth: "10" },
      {
        action: "update",
        eventKey: "koogallery:upgrade:O-3",
        keyScope: "order",
        externalId: "I-1",
        instanceKey: "koogallery:I-1",
        test: false,
        plan: { productId: "P-2", skuCode: "S-2", amount: "5", diskSize: "100", bandWidth: "10", upgradeOrderId: "O-3" },
      },
    ],
    [
      "V2 upgradeInstance: the same key shape as V1 upgrade",
      "v2",
      { activity: "upgradeInstance", instanceId: "I-1", orderId: "O-3", orderLineId: "L-3" },
      {
        action: "update",
        eventKey: "koogallery:upgrade:O-3",
        keyScope: "order",
        externalId: "I-1",
        instanceKey: "koogallery:I-1",
        test: false,
        plan: { orderLineId: "L-3", upgradeOrderId: "O-3" },
      },
    ],
    ["V1 expireInstance: by instance, state-scoped", "v1", { activity: "expireInstance", instanceId: "I-1", orderId: "O-4" }, stateCmd("expire")],
    ["V1 releaseInstance", "v1", { activity: "releaseInstance", instanceId: "I-1", orderId: "O-5" }, stateCmd("release")],
    ["V2 releaseInstance without an order", "v2", { activity: "releaseInstance", instanceId: "I-1" }, stateCmd("release")],
    ["V1 instanceStatus FREEZE expires", "v1", { activity: "instanceStatus", instanceId: "I-1", instanceStatus: "FREEZE" }, stateCmd("expire")],
    ["V1 instanceStatus NORMAL resumes", "v1", { activity: "instanceStatus", instanceId: "I-1", instanceStatus: "NORMAL" }, stateCmd("resume")],
    ["V2 updateInstanceStatus FREEZE expires", "v2", { activity: "updateInstanceStatus", instanceId: "I-1", status: "FREEZE" }, stateCmd("expire")],
    ["V2 updateInstanceStatus UNFREEZE resumes", "v2", { activity: "updateInstanceStatus", instanceId: "I-1", status: "UNFREEZE" }, stateCmd("resume")],
    [
      "testFlag=1 marks the command as a test",
      "v2",
      { activity: "updateInstanceStatus", instanceId: "I-1", status: "FREEZE", testFlag: "1" },
      stateCmd("expire", true),
    ],
    ["testFlag=0 is not a test", "v2", { activity: "updateInstanceStatus", instanceId: "I-1", status: "FREEZE", testFlag: "0" }, stateCmd("expire", false)],
    ["only the exact value 1 is a test", "v1", { activity: "expireInstance", instanceId: "I-1", orderId: "O-4", testFlag: "true" }, stateCmd("expire", false)],
  ];

  it.each(rows)("%s", async (_label, generation, params, expected) => {
    const cmd = await commandFor(generation, params, { ...params });
    expect(cmd && shape(cmd)).toEqual(expected);
  });

  it.each([
    ["v1", "queryInstance"],
    ["v2", "queryInstance"],
    ["v1", "somethingElse"],
  ] as const)("%s %s applies nothing", async (generation, activity) => {
    expect(await commandFor(generation, { activity, instanceId: "I-1" }, {})).toBeNull();
  });

  it("keeps the verified parameters as the origin, marked with the generation, and answers the instance id", async () => {
    const params = { activity: "expireInstance", instanceId: "I-1", orderId: "O-4", businessId: "B-9" };
    const cmd = await commandFor("v1", params, { ...params, extra: "kept" });
    expect(cmd?.source).toBe("koogallery");
    expect(cmd?.origin).toEqual({
      system: "koogallery",
      activity: "expireInstance",
      orderId: "O-4",
      raw: { activity: "expireInstance", instanceId: "I-1", orderId: "O-4", businessId: "B-9", extra: "kept", generation: "v1" },
    });
    expect(cmd?.answer).toEqual({ instanceId: "I-1" });
  });

  it("leaves orderId out of the origin when the call has none", async () => {
    const cmd = await commandFor("v2", { activity: "releaseInstance", instanceId: "I-1" }, {});
    expect(cmd?.origin).toEqual({ system: "koogallery", activity: "releaseInstance", raw: { generation: "v2" } });
  });
});

describe("newInstanceOrderKey", () => {
  const rows: Array<[string, Generation, Params, string]> = [
    ["V1: order + product", "v1", { orderId: "O-1", productId: "P-1" }, "O-1:P-1"],
    ["V1 ignores an order line", "v1", { orderId: "O-1", productId: "P-1", orderLineId: "L-1" }, "O-1:P-1"],
    ["V2: order + line", "v2", { orderId: "O-1", orderLineId: "L-1" }, "O-1:L-1"],
    ["V2: order + line + product", "v2", { orderId: "O-1", orderLineId: "L-1", productId: "P-1" }, "O-1:L-1:P-1"],
    ["V2: an empty product is no product", "v2", { orderId: "O-1", orderLineId: "L-1", productId: "" }, "O-1:L-1"],
    ["never the businessId", "v2", { orderId: "O-1", orderLineId: "L-1", businessId: "B-1" }, "O-1:L-1"],
  ];

  it.each(rows)("%s", (_label, generation, params, expected) => {
    expect(newInstanceOrderKey(generation, params)).toBe(expected);
  });
});
