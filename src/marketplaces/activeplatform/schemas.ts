/**
 * @module marketplaces/activeplatform/schemas
 * The bodies of every implemented event (docs/activeplatform.md §A.6, §A.8), validated with zod.
 * Objects are loose: ActivePlatform adds fields over time and they stay in the raw event. Only
 * what the gateway acts on is typed strictly. Ids that the docs type as integers are accepted
 * as numbers or strings and kept as strings.
 */
import { z } from "zod";
import { firstIssue } from "../../http/validation-issue";
import type { ApEvent } from "./paths";

const MAX_ID = 128;
const MAX_RESOURCES = 200;

const idSchema = z.union([z.string().min(1).max(MAX_ID), z.number().int().nonnegative()]).transform(String);
/** Attribute maps and the parties are passed on, not acted on; null means "none". */
const keyValues = z.record(z.string(), z.unknown()).nullable();
const externalId = z.string().min(1).max(MAX_ID);
/** Optional text: ActivePlatform sends "" or null as often as it leaves a field out. */
const optText = (max: number) => z.string().max(max).nullable().optional();

/** Period units the state machine extends by. */
export type PeriodUnit = "Day" | "Month" | "Year";
const UNITS: Record<string, PeriodUnit> = { day: "Day", month: "Month", year: "Year" };
/**
 * [unverified] How ActivePlatform marks a plan without an end. The docs list only Day, Month and
 * Year; an absent or null period, a zero value, or one of these type names all mean "endless".
 */
const ENDLESS_TYPES = new Set(["endless", "unlimited", "none"]);

/**
 * The Renew page's example period is `{"value":1,"type":"month","trial":false,"endless":false}`:
 * the type in lower case, and two flags. `endless: true` is a plan without an end whatever its
 * value and type say, so neither is required then; `trial` is kept as sent.
 */
const periodSchema = z
  .looseObject({
    value: z.number().int().min(0).max(1200).nullable().optional(),
    type: z.string().min(1).max(32).nullable().optional(),
    trial: z.boolean().nullable().optional(),
    endless: z.boolean().nullable().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.endless === true) return;
    if (p.type === undefined || p.type === null) {
      ctx.addIssue({ code: "custom", path: ["type"], message: "is required unless the period is endless" });
      return;
    }
    const type = p.type.toLowerCase();
    if (!UNITS[type] && !ENDLESS_TYPES.has(type)) ctx.addIssue({ code: "custom", path: ["type"], message: "must be Day, Month or Year" });
    else if (UNITS[type] && (p.value === undefined || p.value === null))
      ctx.addIssue({ code: "custom", path: ["value"], message: "is required for a Day, Month or Year period" });
  })
  .nullable()
  .optional();

export type Period = z.infer<typeof periodSchema>;

/** A period to extend by, "endless", or null when the body has none. */
export function periodOf(period: Period): { value: number; unit: PeriodUnit } | "endless" | null {
  if (period === undefined) return null;
  if (period === null || period.endless === true) return "endless";
  const unit = UNITS[(period.type ?? "").toLowerCase()];
  if (!unit || !period.value) return "endless";
  return { value: period.value, unit };
}

const resourceSchema = z.looseObject({
  resource: optText(MAX_ID),
  key: z.string().min(1).max(MAX_ID),
  quantity: z.number().int().min(0),
});

const planSchema = z.looseObject({
  name: optText(512),
  description: optText(8192),
  sku: optText(MAX_ID),
  resources: z.array(resourceSchema).max(MAX_RESOURCES).nullable().optional(),
  period: periodSchema,
});

/**
 * Resource validation judges quantities itself (missing or negative is a business "deny", 422),
 * so here a quantity only has to be a number when present; a key is still required.
 */
const requestedResourceSchema = z.looseObject({
  resource: optText(MAX_ID),
  key: z.string().min(1).max(MAX_ID),
  quantity: z.number().nullable().optional(),
});
export type RequestedResource = z.infer<typeof requestedResourceSchema>;

/** Reseller, distributor and tenant are passed on, not acted on: only their shape is checked. */
const party = z.looseObject({}).nullable().optional();
const subscriptionSchema = z.looseObject({ id: idSchema, attributes: keyValues.optional() });
const common = { reseller: party, distributor: party, tenant: party };

const userId = idSchema;
const personName = optText(256);

const schemas = {
  "subscription.create": z.looseObject({ ...common, plan: planSchema, subscription: subscriptionSchema }),
  "subscription.renew": z.looseObject({ ...common, external_id: externalId, plan: planSchema.optional(), subscription: subscriptionSchema.optional() }),
  "subscription.stop": z.looseObject({ ...common, external_id: externalId }),
  "subscription.activate": z.looseObject({ ...common, external_id: externalId }),
  "subscription.delete": z.looseObject({ ...common, external_id: externalId }),
  "subscription.change": z.looseObject({ ...common, external_id: externalId, plan: planSchema, subscription: subscriptionSchema.optional() }),
  "subscription.resource_validation": z.looseObject({
    ...common,
    external_id: externalId,
    plan: z.looseObject({ resources: z.array(requestedResourceSchema).max(MAX_RESOURCES) }),
  }),
  "user.create": z.looseObject({
    email: z
      .string()
      .min(3)
      .max(254)
      .regex(/^[^@\s]+@[^@\s]+$/, "must be an e-mail address"),
    password: optText(1024),
    first_name: personName,
    last_name: personName,
  }),
  "user.update": z.looseObject({ id: userId, first_name: personName, last_name: personName }),
  "user.activate": z.looseObject({ id: userId }),
  "user.deactivate": z.looseObject({ id: userId }),
  "user.delete": z.looseObject({ id: userId }),
} satisfies Record<ApEvent, z.ZodType>;

export type BodyOf<E extends ApEvent> = z.infer<(typeof schemas)[E]>;

export type Parsed = { ok: true; body: BodyOf<ApEvent> } | { ok: false; message: string };

export function parseBody(event: ApEvent, json: unknown): Parsed {
  // reportInput tells "missing" (no input) apart from "wrong type" in the message.
  const result = schemas[event].safeParse(json, { reportInput: true });
  return result.success ? { ok: true, body: result.data } : { ok: false, message: describeIssue(result.error) };
}

/** The first problem, naming the field: "missing field: external_id", "invalid field plan.period.type: …". */
function describeIssue(error: z.ZodError): string {
  const issue = firstIssue(error);
  if (!issue) return "invalid request body";
  const name = issue.path || "body";
  if (issue.missing) return `missing field: ${name}`;
  if (issue.code === "invalid_union") return `invalid field ${name}: must be a string or a whole number`;
  return `invalid field ${name}: ${issue.message}`;
}
