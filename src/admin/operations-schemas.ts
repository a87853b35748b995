/**
 * @module admin/operations-schemas
 * Request and response shapes of the operations routes (docs/contract.md "Operations"): connectors
 * and their pause, instance and delivery search, figures, index rebuild. Same rules as
 * `admin/schemas.ts`: inputs are validated, outputs are parsed, the OpenAPI document is rendered
 * from these objects. Plain zod: loads in Node too.
 */
/// <reference types="zod-openapi" />
import { z } from "zod";
import { parseWindow } from "../projection/search";
import { SEARCH_STATUSES } from "../projection/types";
import { ConnectorName, DeliveryId, InstanceKey, pageOf } from "./schemas";

const isoDateTime = z.iso.datetime({ offset: true });
const cursor = z.string().min(1).max(512).optional().meta({ description: "`cursor` from the previous page (opaque)." });
const pageLimit = z.coerce.number().int().min(1).max(200).default(50);

// ---- connectors -----------------------------------------------------------------------------

export const ConnectorPath = z.object({ name: z.string().max(64) });

export const PauseRequest = z
  .strictObject({
    reason: z.string().trim().min(1).max(200).optional().meta({ description: "Shown in `GET /admin/connectors` and in the `connector.paused` event." }),
  })
  .meta({ id: "PauseRequest", description: "Optional; an empty body pauses without a reason." });

const LastFailure = z.object({ at: isoDateTime, reason: z.string() }).nullable();

const ConnectorView = z
  .object({
    name: ConnectorName,
    enabled: z.boolean().meta({ description: "Its base URL is configured." }),
    paused: z.boolean().meta({ description: "Deliveries to this partner are held (parked in their instances, in order, spending no attempts)." }),
    pause: z
      .object({
        by: z.enum(["operator", "breaker"]),
        reason: z.string(),
        since: isoDateTime,
      })
      .nullable(),
    breaker: z
      .object({
        state: z.enum(["closed", "open", "half-open"]).meta({ description: "half-open: one probe delivery is out." }),
        recentAttempts: z.number().int().meta({ description: "Attempts counted by the breaker in its 5-minute window." }),
        recentFailures: z.number().int(),
        consecutiveFailures: z.number().int(),
        nextProbeAt: isoDateTime.nullable(),
      })
      .meta({ description: "The circuit breaker: opens on 70 % failed of ≥ 10 attempts in 5 minutes, or 8 failures in a row from ≥ 2 deliveries." }),
    parkedInstances: z.number().int().meta({ description: "Instances with a delivery waiting for this partner to resume." }),
    recent: z
      .object({ window: z.literal("24h"), delivered: z.number().int(), retrying: z.number().int(), dead: z.number().int(), skipped: z.number().int() })
      .meta({ description: "Attempt outcomes over the last 24 hours (from the figures; they may lag by seconds)." }),
    lastSuccessAt: isoDateTime.nullable(),
    lastFailure: LastFailure,
  })
  .meta({ id: "Connector" });

const OpsView = z
  .object({
    enabled: z.boolean().meta({ description: "OPS_WEBHOOK_URL is set." }),
    pending: z.number().int(),
    waiting: z.number().int(),
    delivered: z.number().int().meta({ description: "Delivered events still kept (30 days)." }),
    dead: z.number().int(),
    lastSuccessAt: isoDateTime.nullable(),
    lastFailure: LastFailure,
  })
  .meta({ id: "OpsEndpoint", description: "Operational events and their endpoint." });

export const ConnectorsResponse = z.object({ connectors: z.array(ConnectorView), ops: OpsView }).meta({ id: "Connectors" });
export const ConnectorResponse = z.object({ connector: ConnectorView }).meta({ id: "ConnectorResponse" });

// ---- search ---------------------------------------------------------------------------------

export const InstanceSearchQuery = z.object({
  state: z.enum(["active", "suspended", "expired", "released"]).optional(),
  source: z.enum(["koogallery", "activeplatform"]).optional(),
  updatedSince: isoDateTime.optional().meta({ description: "Changed at or after this instant." }),
  limit: pageLimit,
  cursor,
});

const IndexedInstance = z
  .object({
    key: InstanceKey,
    source: z.enum(["koogallery", "activeplatform"]),
    state: z.enum(["active", "suspended", "expired", "released"]),
    test: z.boolean(),
    version: z.number().int(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .meta({ id: "IndexedInstance" });

export const InstanceSearchPage = pageOf(IndexedInstance, "Most recently changed first. `GET /admin/instances/{key}` has the details.", "InstanceSearchPage");

export const DeliverySearchQuery = z.object({
  status: z.enum(SEARCH_STATUSES).optional().meta({
    description:
      "pending: not attempted yet (queued, waiting behind an earlier delivery, or parked); retrying: failed at least once, not settled; delivered; skipped; dead.",
  }),
  connector: ConnectorName.optional(),
  since: isoDateTime.optional().meta({ description: "Changed at or after this instant." }),
  limit: pageLimit,
  cursor,
});

const IndexedDelivery = z
  .object({
    deliveryId: DeliveryId,
    instanceKey: InstanceKey,
    connector: z.string(),
    eventType: z.string(),
    status: z.enum(SEARCH_STATUSES),
    attempts: z.number().int(),
    reason: z.string().nullable(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .meta({ id: "IndexedDelivery" });

export const DeliverySearchPage = pageOf(IndexedDelivery, "Most recently changed first.", "DeliverySearchPage");

// ---- figures --------------------------------------------------------------------------------

export const StatsQuery = z.object({
  window: z
    .string()
    .default("24h")
    .refine((w) => parseWindow(w) !== null, { message: "expected a number and m, h or d, from 1m to 7d, e.g. 1h, 24h, 7d" })
    .meta({ description: "How far back: `15m`, `1h`, `24h`, `7d` (at most 7 days)." }),
});

export const StatsResponse = z
  .object({
    window: z.string(),
    since: isoDateTime,
    until: isoDateTime,
    inbound: z
      .array(z.object({ route: z.string(), result: z.string(), calls: z.number().int() }))
      .meta({ description: "Marketplace calls by route (`koogallery`, `activeplatform`) and result (KooGallery resultCode, ActivePlatform HTTP status)." }),
    deliveries: z
      .array(z.object({ connector: z.string(), outcome: z.enum(["delivered", "retrying", "dead", "skipped"]), count: z.number().int() }))
      .meta({ description: "Delivery attempts by connector and outcome (retrying: a failed attempt that will be retried)." }),
  })
  .meta({ id: "Stats", description: "Counted per minute; the last seconds may not be in yet." });

// ---- index rebuild --------------------------------------------------------------------------

const MAX_REBUILD_KEYS = 100;

export const RebuildRequest = z
  .strictObject({ keys: z.array(InstanceKey).min(1).max(MAX_REBUILD_KEYS) })
  .meta({ id: "IndexRebuildRequest", description: "Instances to re-project from their objects (the truth) into the search index." });

export const RebuildResponse = z
  .object({
    rebuilt: z.array(InstanceKey),
    missing: z.array(InstanceKey).meta({ description: "No such instance." }),
    failed: z.array(InstanceKey).meta({ description: "The instance or the index could not be reached; try again." }),
  })
  .meta({ id: "IndexRebuild" });
