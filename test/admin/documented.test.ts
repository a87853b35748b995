import { describe, expect, it } from "vitest";
import { documentedOnly } from "../../src/admin/documented";
import { DeadLetterPage, InstanceDetailsResponse } from "../../src/admin/schemas";

describe("documentedOnly", () => {
  it("keeps documented fields at every depth, values unchecked, and drops the rest", () => {
    const page = {
      items: [
        {
          deliveryId: "not an id",
          instanceKey: "legacy:1",
          connector: "vendor",
          eventType: "x",
          reason: "r",
          attempts: "3",
          deadAt: "soon",
          extra: { secret: 1 },
        },
      ],
      cursor: null,
      internal: true,
    };
    expect(documentedOnly(DeadLetterPage, page)).toEqual({
      items: [{ deliveryId: "not an id", instanceKey: "legacy:1", connector: "vendor", eventType: "x", reason: "r", attempts: "3", deadAt: "soon" }],
      cursor: null,
    });
  });

  it("keeps free-form objects (plan, app info, answers) whole", () => {
    const plan = { productId: "P1", period: { type: "month", value: 1 } };
    const details = {
      instance: { key: "x", plan, appInfo: { frontEndUrl: "https://a.test/" }, hidden: 1 },
      events: [{ seq: 1, answer: { instanceId: "i" } }],
      deliveries: [],
      personalData: "withheld",
    };
    expect(documentedOnly(InstanceDetailsResponse, details)).toEqual({
      instance: { key: "x", plan, appInfo: { frontEndUrl: "https://a.test/" } },
      events: [{ seq: 1, answer: { instanceId: "i" } }],
      deliveries: [],
      personalData: "withheld",
    });
  });
});
