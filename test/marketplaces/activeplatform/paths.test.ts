/**
 * The ActivePlatform path table (docs/activeplatform.md §A.4): every path below the secret names
 * one event, and nothing else does.
 */
import { describe, expect, it } from "vitest";
import { EVENT_PATHS, eventForPath } from "../../../src/marketplaces/activeplatform/paths";

describe("eventForPath", () => {
  const rows: Array<[string, string | null]> = [
    ["subscription/create", "subscription.create"],
    ["subscription/renew", "subscription.renew"],
    ["subscription/stop", "subscription.stop"],
    ["subscription/activate", "subscription.activate"],
    ["subscription/delete", "subscription.delete"],
    ["subscription/change", "subscription.change"],
    ["subscription/resource_validation", "subscription.resource_validation"],
    ["user/create", "user.create"],
    ["user/update", "user.update"],
    ["user/activate", "user.activate"],
    ["user/deactivate", "user.deactivate"],
    ["user/delete", "user.delete"],
    ["user/delete/", "user.delete"],
    ["subscription/renew//", "subscription.renew"],
    ["", null],
    ["subscription", null],
    ["subscription/", null],
    ["/subscription/create", null],
    ["Subscription/Create", null],
    ["subscription/create/extra", null],
    ["subscription.create", null],
    ["subscription/suspend", null],
    ["user/read", null],
  ];

  it.each(rows)("%j → %s", (path, expected) => {
    expect(eventForPath(path)).toBe(expected);
  });

  it("has one path per event and no two events on one path", () => {
    expect(Object.keys(EVENT_PATHS)).toHaveLength(12);
    expect(new Set(Object.values(EVENT_PATHS)).size).toBe(12);
  });
});
