/**
 * @module admin/reconcile-schemas
 * Shapes of the reconciliation routes (docs/contract.md "Reconciliation and entitlements"):
 * `GET /admin/drift`, `POST /admin/reconcile`, and the `GET /entitlements/{key}` answer. Same
 * rules as `admin/schemas.ts`. Plain zod: loads in Node too.
 */
/// <reference types="zod-openapi" />
import { z } from "zod";
import { ConnectorName, InstanceKey, pageOf } from "./schemas";

const isoDateTime = z.iso.datetime({ offset: true });

export const DriftQuery = z.object({
  connector: ConnectorName.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional().meta({ description: "`cursor` from the previous page (opaque)." }),
});

const DriftItem = z
  .object({
    instanceKey: InstanceKey,
    connector: ConnectorName,
    partnerValue: z.string().meta({ description: "What the partner holds, e.g. `end 2026-05-01T00:00:00.000Z`, `until canceled`, `absent`, `disabled`." }),
    instanceValue: z.string().meta({ description: "What the gateway last told the partner (or, never having told it anything, `present`)." }),
    since: isoDateTime.meta({ description: "When a sweep first found this drift." }),
    repaired: z
      .boolean()
      .meta({ description: "A repair (the current state re-sent through the outbox) was queued; the drift stays listed until a sweep finds agreement." }),
  })
  .meta({ id: "Drift" });

export const DriftPage = pageOf(DriftItem, "Newest drift first.", "DriftPage");

export const ReconcileRequest = z
  .strictObject({ limit: z.number().int().min(1).max(500).optional().meta({ description: "Instances to visit in this run (default 100, as the cron)." }) })
  .meta({ id: "ReconcileRequest", description: "Optional; an empty body runs the cron's slice." });

export const ReconcileSummary = z
  .object({
    checked: z.number().int().meta({ description: "Instances compared with the partner." }),
    inAgreement: z.number().int(),
    drifted: z.number().int(),
    repaired: z.number().int().meta({ description: "Repairs queued in this run (RECONCILE_REPAIR=true)." }),
    resolved: z.number().int().meta({ description: "Earlier drifts found in agreement (announced as instance.drift_repaired)." }),
    skipped: z.number().int().meta({
      description: "Visited but not judged now: a delivery to the partner in flight or changed since the partner was listed, a test instance, no usable ref.",
    }),
    errors: z.number().int(),
    cursor: z.string().nullable().meta({ description: "The last instance key of this run when more remain; the next run goes on from there." }),
    done: z.boolean().meta({ description: "The walk reached the last instance; the next run starts again from the first." }),
  })
  .meta({ id: "ReconcileSummary" });

export const EntitlementResponse = z
  .object({
    key: InstanceKey,
    state: z.enum(["active", "suspended", "expired", "released"]),
    expiresAt: isoDateTime.nullable(),
    plan: z.record(z.string(), z.unknown()).meta({ description: "The plan, personal data withheld." }),
    test: z.boolean(),
    updatedAt: isoDateTime,
  })
  .meta({ id: "Entitlement" });
