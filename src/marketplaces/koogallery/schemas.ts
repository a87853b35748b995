/**
 * @module marketplaces/koogallery/schemas
 * The parameters of every activity of both generations (docs/koogallery.md §3), validated with zod.
 * Lengths are the documented maxima. Unknown parameters are accepted and kept (they are part of
 * the V1 signature and of the raw event), never interpreted.
 */
import { z } from "zod";
import { firstIssue } from "../../http/validation-issue";

const str = (max: number) => z.string().min(1).max(max);
/** Optional text; V2 JSON may carry null for "absent" (the canonical-signature form drops nulls too). */
const optStr = (max: number) => z.string().max(max).nullable().optional();

/** Parses `yyyyMMddHHmmss[SSS]` as UTC (docs/koogallery.md §6 #11). */
export function parseExpireTime(value: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC reads years 0-99 as 1900-1999; the year is meant as written.
  date.setUTCFullYear(y);
  // Date.UTC rolls 2025-02-30 over into March; a date that does not round-trip is invalid.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return date.toISOString();
}

/**
 * V1 `timeStamp`, `yyyyMMddHHmmssSSS` in UTC (docs/koogallery.md §2.1), as ms since the epoch: the
 * marketplace's own time of the call, which orders an instance's calls.
 */
export function parseV1TimeStamp(value: string): number | null {
  if (!/^\d{17}$/.test(value)) return null;
  const seconds = parseExpireTime(value.slice(0, 14));
  return seconds === null ? null : Date.parse(seconds) + Number(value.slice(14));
}

/** `yyyyMMddHHmmss`, optionally followed by milliseconds (the V2 example has 17 digits). */
export const expireTimeSchema = z
  .string()
  .regex(/^\d{14}(\d{3})?$/, "must be yyyyMMddHHmmss")
  .refine((v) => parseExpireTime(v) !== null, "is not a valid date");
/** Only "1" means a debug call (§6 #12); some tables type it Integer, so a JSON number is accepted too. */
const testFlag = z
  .union([z.string().max(8), z.number()])
  .nullable()
  .optional();
/** Pay-per-use orders have no expiry: an empty expireTime is the same as none. */
const optExpireTime = z.union([expireTimeSchema, z.literal("")]).optional();

const v1Common = {
  activity: z.string(),
  timeStamp: z
    .string()
    .regex(/^\d{17}$/, "must be yyyyMMddHHmmssSSS")
    .refine((v) => parseV1TimeStamp(v) !== null, "is not a valid date"),
  testFlag,
};

export const v1Schemas = {
  newInstance: z.looseObject({
    ...v1Common,
    customerId: str(100),
    customerName: optStr(64),
    businessId: str(64),
    orderId: str(64),
    productId: str(64),
    skuCode: optStr(64),
    expireTime: optExpireTime,
    trialFlag: optStr(8),
    chargingMode: optStr(8),
    periodType: optStr(10),
    periodNumber: optStr(10),
    orderAmount: optStr(32),
    mobilePhone: optStr(256),
    email: optStr(256),
  }),
  refreshInstance: z.looseObject({
    ...v1Common,
    orderId: str(64),
    instanceId: str(64),
    productId: optStr(64),
    expireTime: expireTimeSchema,
    trialToFormal: optStr(8),
    periodType: optStr(10),
    periodNumber: optStr(10),
    orderAmount: optStr(32),
  }),
  // The tables mark orderId mandatory, but the Expiration page's own example has none, and the
  // gateway acts on instanceId alone (docs/koogallery.md §3.1): accept both.
  expireInstance: z.looseObject({ ...v1Common, instanceId: str(64), orderId: optStr(64) }),
  releaseInstance: z.looseObject({ ...v1Common, instanceId: str(64), orderId: optStr(64), orderAmount: optStr(32) }),
  upgrade: z.looseObject({
    ...v1Common,
    instanceId: str(64),
    orderId: str(64),
    skuCode: str(64),
    productId: str(64),
    amount: optStr(32),
    diskSize: optStr(32),
    bandWidth: optStr(32),
  }),
  instanceStatus: z.looseObject({ ...v1Common, instanceId: str(64), instanceStatus: z.enum(["FREEZE", "NORMAL"]) }),
  queryInstance: z.looseObject({ ...v1Common, instanceId: z.string().min(1).max(6500) }),
};

const v2Common = { activity: z.string(), testFlag };

export const v2Schemas = {
  newInstance: z.looseObject({ ...v2Common, orderId: str(64), orderLineId: str(64), businessId: str(64), productId: optStr(64) }),
  queryInstance: z.looseObject({ ...v2Common, instanceId: z.string().min(1).max(6500) }),
  refreshInstance: z.looseObject({
    ...v2Common,
    scene: z.enum(["TRIAL_TO_FORMAL", "RENEWAL", "UNSUBSCRIBE_RENEWAL_PERIOD", "RENEWAL_CHANGE"]),
    orderId: str(64),
    orderLineId: str(64),
    instanceId: str(64),
    productId: optStr(64),
    expireTime: expireTimeSchema,
  }),
  updateInstanceStatus: z.looseObject({ ...v2Common, instanceId: str(64), status: z.enum(["FREEZE", "UNFREEZE"]) }),
  releaseInstance: z.looseObject({ ...v2Common, instanceId: str(64), orderId: optStr(64), orderLineId: optStr(64) }),
  upgradeInstance: z.looseObject({ ...v2Common, instanceId: str(64), orderId: str(64), orderLineId: str(64) }),
};

export type V1Activity = keyof typeof v1Schemas;
export type V2Activity = keyof typeof v2Schemas;

/** "missing parameter: orderId", "invalid parameter instanceId: Too big": a resultMsg that names the parameter. */
export function describeIssue(error: z.ZodError): string {
  const issue = firstIssue(error);
  if (!issue) return "invalid request parameter";
  const name = issue.path || "request";
  return issue.missing ? `missing parameter: ${name}` : `invalid parameter ${name}: ${issue.message}`;
}
