/**
 * Which connector reacts to which event (docs/contract.md connector table), the testFlag rule (only
 * the vendor is called for KooGallery debug calls) and the refs each connector needs.
 */
import { describe, expect, it } from "vitest";
import type { ConnectorName } from "../../src/config";
import { REFS_GRACE_MS, REQUIRED_REFS, connectorReacts, missingRefs, planDeliveries } from "../../src/delivery/plan";
import type { EventType } from "../../src/lifecycle/types";

const ALL: ConnectorName[] = ["vendor", "koodrive", "mor"];
const TEST_SKIP = "test event (testFlag=1): only the vendor connector is called";

describe("connectorReacts", () => {
  // [event, vendor, koodrive, mor]
  const rows: Array<[EventType, boolean, boolean, boolean]> = [
    ["instance.provisioned", true, false, false],
    ["instance.renewed", true, false, true],
    ["instance.updated", true, false, false],
    ["instance.suspended", true, false, false],
    ["instance.resumed", true, false, true],
    ["instance.expired", true, true, true],
    ["instance.released", true, false, true],
    ["user.created", true, false, false],
    ["user.updated", true, false, false],
    ["user.activated", true, false, false],
    ["user.deactivated", true, false, false],
    ["user.deleted", true, false, false],
  ];

  it.each(rows)("%s: vendor %s, koodrive %s, mor %s", (type, vendor, koodrive, mor) => {
    expect([connectorReacts("vendor", type), connectorReacts("koodrive", type), connectorReacts("mor", type)]).toEqual([vendor, koodrive, mor]);
  });
});

describe("planDeliveries", () => {
  const rows: Array<[string, EventType, boolean, ConnectorName[], unknown[]]> = [
    [
      "expiry reaches all three (control)",
      "instance.expired",
      false,
      ALL,
      [
        { connector: "vendor", status: "pending" },
        { connector: "koodrive", status: "pending" },
        { connector: "mor", status: "pending" },
      ],
    ],
    ["provisioning reaches the vendor only", "instance.provisioned", false, ALL, [{ connector: "vendor", status: "pending" }]],
    [
      "renewal reaches vendor and MOR",
      "instance.renewed",
      false,
      ALL,
      [
        { connector: "vendor", status: "pending" },
        { connector: "mor", status: "pending" },
      ],
    ],
    [
      "release reaches vendor and MOR",
      "instance.released",
      false,
      ALL,
      [
        { connector: "vendor", status: "pending" },
        { connector: "mor", status: "pending" },
      ],
    ],
    ["a user event reaches the vendor only", "user.deleted", false, ALL, [{ connector: "vendor", status: "pending" }]],
    ["disabled connectors get no row", "instance.expired", false, ["mor"], [{ connector: "mor", status: "pending" }]],
    ["no connector enabled", "instance.expired", false, [], []],
    ["the vendor disabled: provisioning plans nothing", "instance.provisioned", false, ["koodrive", "mor"], []],
    [
      "rows follow the enabled order",
      "instance.expired",
      false,
      ["mor", "vendor"],
      [
        { connector: "mor", status: "pending" },
        { connector: "vendor", status: "pending" },
      ],
    ],
    [
      "test event: the vendor is called, the others are recorded as skipped",
      "instance.expired",
      true,
      ALL,
      [
        { connector: "vendor", status: "pending" },
        { connector: "koodrive", status: "skipped", reason: TEST_SKIP },
        { connector: "mor", status: "skipped", reason: TEST_SKIP },
      ],
    ],
    [
      "test event: connectors that would not react get no skipped row",
      "instance.renewed",
      true,
      ALL,
      [
        { connector: "vendor", status: "pending" },
        { connector: "mor", status: "skipped", reason: TEST_SKIP },
      ],
    ],
    ["test event for the vendor only", "instance.provisioned", true, ALL, [{ connector: "vendor", status: "pending" }]],
    ["test event with the vendor disabled", "instance.released", true, ["mor"], [{ connector: "mor", status: "skipped", reason: TEST_SKIP }]],
  ];

  it.each(rows)("%s", (_label, type, test, enabled, expected) => {
    expect(planDeliveries({ type, test, enabled })).toEqual(expected);
  });
});

describe("refs", () => {
  it("names the refs each connector needs, and the grace period before skipping (15 min)", () => {
    expect(REQUIRED_REFS).toEqual({ vendor: [], koodrive: ["koodrive.carrierUserId", "koodrive.packageId"], mor: ["mor.subscriptionId"] });
    expect(REFS_GRACE_MS).toBe(900_000);
  });

  const rows: Array<[string, ConnectorName, Record<string, string>, string[]]> = [
    ["KooDrive with both refs (control)", "koodrive", { "koodrive.carrierUserId": "1", "koodrive.packageId": "2" }, []],
    ["KooDrive with none", "koodrive", {}, ["koodrive.carrierUserId", "koodrive.packageId"]],
    ["KooDrive without the package", "koodrive", { "koodrive.carrierUserId": "1" }, ["koodrive.packageId"]],
    ["an empty ref is missing", "koodrive", { "koodrive.carrierUserId": "", "koodrive.packageId": "2" }, ["koodrive.carrierUserId"]],
    ["MOR with its ref", "mor", { "mor.subscriptionId": "42" }, []],
    ["MOR without it", "mor", { "koodrive.packageId": "2" }, ["mor.subscriptionId"]],
    ["other connectors' refs do not count", "mor", { "koodrive.carrierUserId": "1", "mor.subscriptionid": "42" }, ["mor.subscriptionId"]],
    ["the vendor needs none", "vendor", {}, []],
  ];

  it.each(rows)("missingRefs: %s", (_label, connector, refs, expected) => {
    expect(missingRefs(connector, refs)).toEqual(expected);
  });
});
