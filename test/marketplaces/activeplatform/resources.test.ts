/**
 * The resource_validation verdict (docs/activeplatform.md §A.8) as a table: which instance states
 * allow a check at all, which keys a plan has, and the first problem named.
 */
import { describe, expect, it } from "vitest";
import type { InstanceRecord, InstanceState, JsonObject } from "../../../src/lifecycle/types";
import { judgeResources, planResourceKeys, type Verdict } from "../../../src/marketplaces/activeplatform/resources";
import type { RequestedResource } from "../../../src/marketplaces/activeplatform/schemas";
import { instanceRecord } from "../../support/instance-record";

const PLAN = {
  resources: [
    { key: "users", quantity: 10 },
    { key: "storage_gb", quantity: 50, resource: "res-1" },
  ],
};

const instance = (state: InstanceState, plan: JsonObject = PLAN): InstanceRecord =>
  instanceRecord({ key: "activeplatform:e-1", source: "activeplatform", externalId: "e-1", state, plan });

const deny = (reason: string): Verdict => ({ allow: false, reason });

describe("planResourceKeys", () => {
  const rows: Array<[string, JsonObject, string[]]> = [
    ["the keys of plan.resources (control)", PLAN, ["users", "storage_gb"]],
    ["no resources", {}, []],
    ["resources that is not an array", { resources: { key: "users" } }, []],
    ["entries without a string key are skipped", { resources: [null, "users", { key: 7 }, { quantity: 1 }, { key: "seats" }] }, ["seats"]],
    ["duplicates once", { resources: [{ key: "users" }, { key: "users" }] }, ["users"]],
  ];

  it.each(rows)("%s", (_label, plan, expected) => {
    expect([...planResourceKeys(plan)]).toEqual(expected);
  });
});

describe("judgeResources", () => {
  const rows: Array<[string, InstanceRecord, RequestedResource[], Verdict]> = [
    [
      "known keys, whole quantities (control)",
      instance("active"),
      [
        { key: "users", quantity: 12 },
        { key: "storage_gb", quantity: 60 },
      ],
      { allow: true },
    ],
    ["zero is a valid quantity", instance("active"), [{ key: "users", quantity: 0 }], { allow: true }],
    ["less than in the plan is allowed (usage is the vendor's to judge)", instance("active"), [{ key: "users", quantity: 1 }], { allow: true }],
    ["an empty request", instance("active"), [], { allow: true }],
    ["a suspended subscription can be checked", instance("suspended"), [{ key: "users", quantity: 1 }], { allow: true }],
    ["an expired subscription can be checked", instance("expired"), [{ key: "users", quantity: 1 }], { allow: true }],
    ["deleted subscription", instance("released"), [{ key: "users", quantity: 1 }], deny("subscription e-1 was deleted")],
    ["deleted wins over a bad request", instance("released"), [{ key: "nope", quantity: -1 }], deny("subscription e-1 was deleted")],
    ["a key the plan does not have", instance("active"), [{ key: "cpus", quantity: 1 }], deny('plan.resources[0] (cpus): the plan has no resource "cpus"')],
    ["keys are case-sensitive", instance("active"), [{ key: "Users", quantity: 1 }], deny('plan.resources[0] (Users): the plan has no resource "Users"')],
    [
      "a plan without resources has no keys",
      instance("active", {}),
      [{ key: "users", quantity: 1 }],
      deny('plan.resources[0] (users): the plan has no resource "users"'),
    ],
    ["quantity missing", instance("active"), [{ key: "users" }], deny("plan.resources[0] (users): quantity is missing")],
    ["quantity null", instance("active"), [{ key: "users", quantity: null }], deny("plan.resources[0] (users): quantity is missing")],
    ["fractional quantity", instance("active"), [{ key: "users", quantity: 1.5 }], deny("plan.resources[0] (users): quantity must be a whole number")],
    ["negative quantity", instance("active"), [{ key: "users", quantity: -1 }], deny("plan.resources[0] (users): quantity must not be negative")],
    [
      "the first problem is named, by position",
      instance("active"),
      [
        { key: "users", quantity: 1 },
        { key: "storage_gb", quantity: -5 },
        { key: "cpus", quantity: 1 },
      ],
      deny("plan.resources[1] (storage_gb): quantity must not be negative"),
    ],
    [
      "an unknown key is named before a bad quantity",
      instance("active"),
      [{ key: "cpus", quantity: -1 }],
      deny('plan.resources[0] (cpus): the plan has no resource "cpus"'),
    ],
  ];

  it.each(rows)("%s", (_label, current, requested, expected) => {
    expect(judgeResources("e-1", current, requested)).toEqual(expected);
  });
});
