/**
 * An instance record for table tests of pure rules (state machine, payloads, app info, resources):
 * an active KooGallery instance with nothing in it, changed by `over`.
 */
import type { InstanceRecord } from "../../src/lifecycle/types";

export function instanceRecord(over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    key: "koogallery:i-1",
    source: "koogallery",
    externalId: "i-1",
    state: "active",
    plan: {},
    expiresAt: null,
    refs: {},
    appInfo: {},
    test: false,
    version: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    marketTime: null,
    owner: null,
    ...over,
  };
}
