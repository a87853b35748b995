/**
 * @module admin/schemas
 * The admin API's request and response shapes, as zod schemas. They validate what comes in, they
 * are parsed over everything that goes out (so undocumented fields are stripped, never leaked),
 * and `admin/openapi.ts` renders the OpenAPI document from these same objects, so the document
 * cannot drift from what is served.
 *
 * Plain zod and `.meta()` only: this module must load in Node as well as in workerd.
 */
/// <reference types="zod-openapi" />
import { z } from "zod";
import { INSTANCE_KEY_KINDS } from "../instance/keys";

/** How many deliveries one bulk replay call re-queues at most, so a call stays within subrequest limits. */
const MAX_BULK_REPLAY = 100;
const DEFAULT_BULK_REPLAY = 25;

/** Shown instead of a stored password: enough to see that one is set, nothing more. */
export const MASKED = "********";

const isoDateTime = z.iso.datetime({ offset: true });
const jsonObject = z.record(z.string(), z.unknown());

// ---- shared ---------------------------------------------------------------------------------

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "not_found" }),
      message: z.string().meta({ example: "no instance koogallery:8f1c…" }),
    }),
  })
  .meta({ id: "Error", description: "Every admin error, including 401 and 503." });

/** Every kind of key the product makes (instance/keys.ts), so that none of its own is refused. */
const KEY_PATTERN = new RegExp(`^(${INSTANCE_KEY_KINDS.join("|")}):[^\\s/]+$`);

export const InstanceKey = z
  .string()
  .max(200)
  .regex(KEY_PATTERN, `expected ${INSTANCE_KEY_KINDS.map((k) => `${k}:<id>`).join(", ")}`)
  .meta({
    id: "InstanceKey",
    description:
      "`koogallery:{instanceId}`, `activeplatform:{external_id}` or, for an ActivePlatform user, `activeplatform-user:{id}`. The colon may be sent raw or as `%3A`.",
    example: "koogallery:0b6d2d0e-3a0c-4c62-9d6e-3f1f7f0f5a11",
  });

export const DeliveryId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, "expected a delivery id such as dlv_<32 hex>")
  .meta({ id: "DeliveryId", description: "Stable across retries; also the partner idempotency key.", example: "dlv_3f2c9a0e5b7d4e1f8a6b2c4d6e8f0a1b" });

export const ConnectorName = z.enum(["vendor", "koodrive", "mor"]).meta({ id: "ConnectorName" });

// ---- instance view --------------------------------------------------------------------------

const InstanceView = z
  .object({
    key: InstanceKey,
    source: z.enum(["koogallery", "activeplatform"]),
    externalId: z.string(),
    state: z.enum(["active", "suspended", "expired", "released"]),
    plan: jsonObject.meta({ description: "Product, SKU and period as the marketplace sent them; personal data removed unless FORWARD_PERSONAL_DATA=true." }),
    expiresAt: isoDateTime.nullable(),
    refs: z.record(z.string(), z.string()).meta({ description: "Ids in partner systems, e.g. `mor.subscriptionId`." }),
    appInfo: jsonObject.meta({
      description: `What KooGallery shows the buyer. \`password\` is always shown as \`${MASKED}\`; \`userName\` only when FORWARD_PERSONAL_DATA=true.`,
    }),
    test: z.boolean(),
    version: z.number().int(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    marketTime: isoDateTime.nullable().meta({
      description:
        "The latest marketplace time (KooGallery `timeStamp` / `timestamp`) of a call the instance accepted; an older call is answered with success and not applied.",
    }),
    owner: z.string().nullable().meta({
      description: "ActivePlatform: the installation (`ap_guid`, lower case) the instance belongs to; calls from any other get 404. Null when unbound.",
    }),
  })
  .meta({ id: "Instance" });

const EventView = z
  .object({
    seq: z.number().int(),
    eventId: z.string(),
    eventKey: z.string(),
    type: z.string().meta({ example: "instance.provisioned" }),
    fromState: z.string().nullable(),
    toState: z.string(),
    occurredAt: isoDateTime,
    test: z.boolean(),
    answer: jsonObject.meta({ description: "The business answer given to the marketplace (and to every duplicate)." }),
  })
  .meta({ id: "Event" });

const AttemptView = z
  .object({
    n: z.number().int().min(1),
    at: isoDateTime,
    outcome: z.string().meta({
      description:
        "The partner's verdict (delivered, transient, auth, permanent, skipped), or the outbox's when the event never reached a partner: queue_send_failed (the queue refused the send; retried with backoff), too_large (the event cannot fit a queue message), no_consumer_report (sent too often with no consumer reporting).",
    }),
    status: z.number().int().optional().meta({ description: "Partner HTTP status, when there was an answer." }),
    excerpt: z.string().meta({
      description:
        "Start of the partner's answer, secrets masked; personal values (e.g. the vendor's `userName`) withheld unless FORWARD_PERSONAL_DATA=true and the instance is not released.",
    }),
    durationMs: z.number(),
    nextRetryS: z.number().optional(),
  })
  .meta({ id: "Attempt" });

const DeliveryView = z
  .object({
    deliveryId: DeliveryId,
    eventSeq: z.number().int(),
    connector: z.string(),
    status: z.enum(["pending", "waiting", "parked", "delivered", "skipped", "dead"]).meta({
      description:
        "pending: queued or retrying; waiting: behind an earlier delivery of this instance to the same partner; parked: its partner is paused " +
        "(it spends no attempts and goes out when the partner resumes); delivered; skipped (reason says why); dead: dead-lettered, replayable.",
    }),
    reason: z.string().nullable(),
    attempts: z.number().int().min(0),
    attemptLog: z.array(AttemptView),
    leaseUntil: isoDateTime.nullable().meta({ description: "While pending: when the instance re-sends it if no consumer has reported." }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .meta({ id: "Delivery" });

const PersonalData = z
  .enum(["included", "withheld"])
  .meta({ id: "PersonalData", description: "Whether buyer personal data is shown (FORWARD_PERSONAL_DATA)." });

export const InstanceDetailsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: "Newest events to show; up to three times as many deliveries are shown." }),
});

export const InstanceDetailsResponse = z
  .object({
    instance: InstanceView,
    events: z.array(EventView).meta({ description: "Newest first." }),
    deliveries: z.array(DeliveryView).meta({ description: "Newest first, with their attempts." }),
    personalData: PersonalData,
    drift: z
      .array(
        z.object({
          connector: ConnectorName,
          partnerValue: z.string(),
          instanceValue: z.string(),
          since: isoDateTime,
          repaired: z.boolean(),
        }),
      )
      .optional()
      .meta({ description: "Partners whose state disagrees with what the gateway last told them (docs/reconciliation.md); empty when none." }),
  })
  .meta({ id: "InstanceDetails" });

// ---- refs -----------------------------------------------------------------------------------

export const RefsUpdateRequest = z
  .strictObject({
    refs: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "ref names are letters, digits, '.', '_' or '-'"), z.string().min(1).max(256))
      .meta({ example: { "mor.subscriptionId": "42", "koodrive.carrierUserId": "u-1001", "koodrive.packageId": "pkg-7" } }),
    appInfo: z
      .strictObject({
        frontEndUrl: z.url({ protocol: /^https?$/ }).optional(),
        adminUrl: z.url({ protocol: /^https?$/ }).optional(),
        userName: z.string().max(128).optional(),
        password: z.string().max(128).optional().meta({ description: "Stored for KooGallery queryInstance; never shown back." }),
        memo: z.string().max(1024).optional(),
      })
      .optional()
      .meta({ description: "App info KooGallery returns to the buyer; merged into what is stored." }),
  })
  .meta({ id: "RefsUpdate", description: "Merged into the instance: named refs are set, others kept." });

export const InstanceResponse = z.object({ instance: InstanceView, personalData: PersonalData }).meta({ id: "InstanceResponse" });

/** One page of a listing: its items in the order `order` describes, and the cursor to the next page. */
export function pageOf<T extends z.ZodType>(item: T, order: string, id: string) {
  return z
    .object({
      items: z.array(item).meta({ description: order }),
      cursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
    })
    .meta({ id });
}

// ---- dead letters ---------------------------------------------------------------------------

export const DeadLetterQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(1024).optional().meta({ description: "`cursor` from the previous page." }),
});

const DeadLetter = z
  .object({
    deliveryId: DeliveryId,
    instanceKey: InstanceKey,
    connector: z.string(),
    eventType: z.string(),
    reason: z.string(),
    attempts: z.number().int(),
    deadAt: isoDateTime,
  })
  .meta({ id: "DeadLetter" });

export const DeadLetterPage = pageOf(DeadLetter, "Newest first.", "DeadLetterPage");

// ---- replay ---------------------------------------------------------------------------------

const FORCE_DESCRIPTION =
  "Replay never reorders what a partner sees of an instance: a delivery whose partner has since received (or is receiving) a later event " +
  "of the same instance is refused, because it would move the partner back (an old instance.renewed after instance.expired moves MOR's end date back). " +
  "`force` sends it anyway, as recorded.";

export const ReplayQuery = z.object({
  instance: InstanceKey.optional().meta({
    description: "The owning instance, for a delivery that is failing but not yet dead-lettered (the dead-letter index only knows dead ones).",
  }),
  force: z.enum(["true", "false"]).optional().meta({ description: FORCE_DESCRIPTION }),
});

export const ReplayResponse = z
  .object({
    replayed: z.literal(true),
    instanceKey: InstanceKey,
    delivery: DeliveryView,
    forced: z
      .boolean()
      .meta({ description: "True when `force=true` sent it although a later event had already reached, or was on its way to, the same partner." }),
    supersededBy: DeliveryId.nullable().meta({ description: "That later delivery, when the replay was forced; null for a replay in order." }),
  })
  .meta({ id: "Replay" });

const ReplayedItem = z.object({ deliveryId: DeliveryId, instanceKey: InstanceKey });
const SkippedItem = z.object({ deliveryId: DeliveryId, instanceKey: InstanceKey, reason: z.string() });

export const BulkReplayResponse = z
  .object({
    replayed: z.array(ReplayedItem),
    skipped: z.array(SkippedItem).meta({
      description: "Not re-queued, with why (already delivered, superseded by a later event the partner already has, unknown, failed to reach the instance…).",
    }),
    more: z.boolean().meta({ description: "True when the call stopped at `limit` (or the scan bound) and matching deliveries remain: call again." }),
    cursor: z.string().nullable().meta({ description: "Dead-letter scans only: where to continue; pass it back with the same window." }),
  })
  .meta({ id: "BulkReplay" });

const bulkLimit = z.number().int().min(1).max(MAX_BULK_REPLAY).default(DEFAULT_BULK_REPLAY);

const bulkForce = z.boolean().default(false).meta({ description: FORCE_DESCRIPTION });

export const InstanceReplayRequest = z.strictObject({ limit: bulkLimit, force: bulkForce }).meta({
  id: "InstanceReplayRequest",
  description: "Optional; an empty body replays up to the default limit. Deliveries are replayed oldest event first, so each partner gets them in order.",
});

export const DeadLetterReplayRequest = z
  .strictObject({
    since: isoDateTime.meta({ description: "Dead-lettered at or after this instant." }),
    until: isoDateTime.optional().meta({ description: "Dead-lettered before this instant; defaults to now." }),
    connector: ConnectorName.optional(),
    limit: bulkLimit,
    cursor: z.string().min(1).max(1024).optional(),
    force: bulkForce,
  })
  .refine((r) => !r.until || Date.parse(r.since) < Date.parse(r.until), { message: "since must be before until", path: ["until"] })
  .meta({ id: "DeadLetterReplayRequest" });

// ---- path parameters ------------------------------------------------------------------------

export const InstancePath = z.object({ key: InstanceKey });
export const DeliveryPath = z.object({ deliveryId: DeliveryId });

export type BulkReplayResponseT = z.infer<typeof BulkReplayResponse>;
