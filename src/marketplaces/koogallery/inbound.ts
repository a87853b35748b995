/**
 * @module marketplaces/koogallery/inbound
 * Authenticates a KooGallery call, then parses and validates it, in that order: unverified data
 * never reaches the schemas or the domain. Every failure is a KooGalleryFault with the right
 * resultCode and a resultMsg that names the problem without echoing secrets.
 */
import type { KooGalleryConfig } from "../../config";
import type { BodyResult } from "../../http/body";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../../http/json-depth";
import type { JsonObject, NonceClaim } from "../../lifecycle/types";
import type { Generation, Params } from "./commands";
import { verifyAuthToken } from "./crypto/auth-v1";
import { isTimestampFresh, parseV2Timestamp, verifyV2Signature } from "./crypto/auth-v2";
import { KooGalleryFault, RESULT } from "./result-codes";
import { describeIssue, parseV1TimeStamp, v1Schemas, v2Schemas, type V1Activity, type V2Activity } from "./schemas";

export interface KooGalleryCall {
  generation: Generation;
  activity: string;
  params: Params;
  raw: JsonObject;
  /** The marketplace's own time of the call (V1 `timeStamp`, V2 `timestamp`), in ms. */
  marketTime: number;
  nonce?: NonceClaim;
}

const MAX_NONCE_LENGTH = 128;
/**
 * Values are trimmed once the signature has been checked over them as sent: the Expiration page's
 * example has a stray space after the instanceId (docs/koogallery.md §3.1), and an id never ends
 * in one. Base64 values are left alone: a trailing '+' sent unencoded arrives as a space.
 */
const BASE64_PARAMS = new Set(["mobilePhone", "email", "saasExtendParams"]);
const auth = (msg: string) => new KooGalleryFault(RESULT.authFailed, msg);
const invalid = (msg: string) => new KooGalleryFault(RESULT.invalidParameter, msg);
const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

export async function readV1Call(url: URL, config: KooGalleryConfig): Promise<KooGalleryCall> {
  const search = url.searchParams;
  if (!search.get("timeStamp")) throw auth("missing parameter: timeStamp");
  if (!(await verifyAuthToken(config.accessKey, search))) throw auth("authToken verification failed");

  const params: Params = {};
  for (const [name, value] of search) if (name !== "authToken" && !(name in params)) params[name] = BASE64_PARAMS.has(name) ? value : value.trim();
  const activity = params.activity ?? "";
  const schema = (v1Schemas as Record<string, (typeof v1Schemas)[V1Activity]>)[activity];
  if (!schema) throw invalid(activity ? `unknown activity: ${clip(activity)}` : "missing parameter: activity");
  const parsed = schema.safeParse(params, { reportInput: true });
  if (!parsed.success) throw invalid(describeIssue(parsed.error));
  return { generation: "v1", activity, params, raw: { ...params }, marketTime: parseV1TimeStamp(params.timeStamp!)! };
}

/**
 * `body` is the request's, already read (every answer waits for the body, see `http/body.ts`);
 * `nowMs` is when it had arrived: a body that trickles in must not extend the window.
 */
export async function readV2Call(request: Request, body: BodyResult, url: URL, config: KooGalleryConfig, nowMs: number): Promise<KooGalleryCall> {
  const signature = url.searchParams.get("signature") ?? "";
  const timestamp = url.searchParams.get("timestamp") ?? "";
  const nonce = url.searchParams.get("nonce") ?? "";
  if (!body.ok) throw invalid(body.reason === "too_large" ? "request body too large" : "request body is not readable UTF-8");
  if (!signature || !timestamp || !nonce) throw auth("missing signature, timestamp or nonce");
  if (nonce.length > MAX_NONCE_LENGTH) throw auth("nonce too long");
  const timestampMs = parseV2Timestamp(timestamp);
  if (timestampMs === null) throw auth("timestamp is not a UNIX timestamp");
  if (!isTimestampFresh(timestampMs, nowMs, config.timestampToleranceS)) throw auth("timestamp outside the allowed window");
  if (!(await verifyV2Signature(config.accessKey, body.text, nonce, timestamp, signature))) throw auth("signature verification failed");

  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType.trim())) throw invalid("Content-Type must be application/json");
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch {
    throw invalid("request body is not valid JSON");
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) throw invalid("request body must be a JSON object");
  if (exceedsJsonDepth(json)) throw invalid(`request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  const activity = typeof (json as JsonObject).activity === "string" ? String((json as JsonObject).activity) : "";
  const schema = (v2Schemas as Record<string, (typeof v2Schemas)[V2Activity]>)[activity];
  if (!schema) throw invalid(activity ? `unknown activity: ${clip(activity)}` : "missing parameter: activity");
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success) throw invalid(describeIssue(parsed.error));

  const params: Params = {};
  for (const [k, v] of Object.entries(json as JsonObject)) {
    if (typeof v === "string") params[k] = v;
    else if (typeof v === "number" && Number.isFinite(v)) params[k] = String(v);
  }
  return {
    generation: "v2",
    activity,
    params,
    raw: json as JsonObject,
    marketTime: timestampMs,
    nonce: { value: nonce.toUpperCase(), timestampMs, toleranceMs: config.timestampToleranceS * 1000 },
  };
}
