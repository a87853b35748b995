/**
 * @module marketplaces/activeplatform/handler
 * `POST /activeplatform/{ACTIVEPLATFORM_PATH_SECRET}/{subscription|user}/{event}`.
 *
 * The body is read first, before any answer, whatever the method (see `http/body.ts`). Then the
 * checks run cheapest and least revealing first, and nothing after a failed check runs: path
 * secret (constant time; a mismatch gets the router's own no-such-route answer, so the route
 * cannot be told apart from no route, and no Durable Object is touched), body size, method,
 * `ap_guid` allow-list, event path (501 for one we do not implement), then the body's content:
 * JSON, nesting depth, schema. Only then does a Durable Object see the call. Every answer is logged once,
 * without personal data.
 */
import type { Bindings } from "../../bindings";
import { activePlatformConfig, ConfigError, type ActivePlatformConfig } from "../../config";
import { timingSafeEqual } from "../../crypto/timing-safe";
import { MAX_BODY_BYTES, readBodyText, type BodyResult } from "../../http/body";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../../http/json-depth";
import { noSuchRoute } from "../../http/own-routes";
import { normalizeOwner, sameOwner } from "../../lifecycle/owner";
import type { JsonObject } from "../../lifecycle/types";
import type { Caller } from "./commands";
import { eventForPath, type ApEvent } from "./paths";
import { processCall } from "./process";
import { ApFault, apResponse, STATUS, taskError, type ApAnswer } from "./respond";
import { parseBody } from "./schemas";

const PREFIX = "/activeplatform/";
const MAX_QUERY_VALUE = 128;
const clip = (s: string, max = 64): string => (s.length > max ? `${s.slice(0, max)}…` : s);

export async function handleActivePlatform(request: Request, env: Bindings, _ctx: ExecutionContext): Promise<Response> {
  const started = Date.now();
  const url = new URL(request.url);
  const tail = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : "";
  const slash = tail.indexOf("/");
  const secret = slash < 0 ? tail : tail.slice(0, slash);
  const rest = slash < 0 ? "" : tail.slice(slash + 1);
  const caller: Caller = { apGuid: url.searchParams.get("ap_guid"), resellerId: url.searchParams.get("reseller_id") };
  const event = eventForPath(rest);
  const log = (answer: Pick<ApAnswer, "status" | "outcome">, id?: string) => logCall(event, rest, caller, answer, id, started);
  const text = await readBodyText(request);

  let config: ActivePlatformConfig;
  try {
    config = activePlatformConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const answer = taskError(STATUS.transient, err.message, "config_error");
    log(answer);
    return apResponse(answer);
  }

  if (!secret || !(await timingSafeEqual(secret, config.pathSecret))) {
    const answer = await noSuchRoute(request);
    log({ status: answer.status, outcome: "not_found" });
    return answer;
  }

  let answer: ApAnswer;
  let id: string | undefined;
  try {
    const refusal = checkRequest(request, text, config, caller, event, rest);
    if (refusal) {
      answer = refusal;
    } else {
      const body = jsonBody(text);
      const parsed = parseBody(event!, body);
      if (!parsed.ok) throw new ApFault(STATUS.malformed, parsed.message, "malformed");
      const call = { event: event!, caller, body: parsed.body as JsonObject };
      id = idOf(call.body);
      answer = await processCall(call, { env, idSecret: config.pathSecret });
      id ??= idOf(answer.body);
    }
  } catch (err) {
    answer = faultAnswer(err);
  }
  log(answer, id);
  return apResponse(answer, answer.status === STATUS.method ? { Allow: "POST" } : {});
}

/** Body size, method, allow-list, query sizes and event path: everything decided before the body is parsed. */
function checkRequest(request: Request, text: BodyResult, config: ActivePlatformConfig, caller: Caller, event: ApEvent | null, rest: string): ApAnswer | null {
  // Over the limit the rest of the body was never read: say so first, whatever else is wrong.
  if (!text.ok && text.reason === "too_large") return taskError(STATUS.tooLarge, `request body too large (limit ${MAX_BODY_BYTES} bytes)`, "malformed");
  if (request.method !== "POST") return taskError(STATUS.method, `method ${clip(request.method, 16)} is not allowed; use POST`, "malformed");
  if (config.allowedApGuids.length > 0) {
    const guid = normalizeOwner(caller.apGuid);
    if (!guid || !config.allowedApGuids.some((g) => sameOwner(g, guid))) {
      return taskError(STATUS.forbidden, guid ? "unknown installation" : "unknown installation: ap_guid is missing", "forbidden");
    }
  }
  for (const [name, value] of [
    ["ap_guid", caller.apGuid],
    ["reseller_id", caller.resellerId],
  ] as const) {
    if (value !== null && value.length > MAX_QUERY_VALUE)
      return taskError(STATUS.malformed, `invalid query parameter ${name}: longer than ${MAX_QUERY_VALUE} characters`, "malformed");
  }
  if (!event) return taskError(STATUS.notImplemented, `event path not implemented: ${clip(rest) || "(none)"}`, "not_implemented");
  return null;
}

function jsonBody(text: BodyResult): unknown {
  if (!text.ok) throw new ApFault(STATUS.malformed, "request body is not readable UTF-8", "malformed");
  let json: unknown;
  try {
    json = JSON.parse(text.text);
  } catch {
    throw new ApFault(STATUS.malformed, "request body is not valid JSON", "malformed");
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new ApFault(STATUS.malformed, "request body must be a JSON object", "malformed");
  if (exceedsJsonDepth(json)) throw new ApFault(STATUS.malformed, `request body is nested more than ${MAX_JSON_DEPTH} levels deep`, "malformed");
  return json;
}

function faultAnswer(err: unknown): ApAnswer {
  if (err instanceof ApFault) return taskError(err.status, err.message, err.outcome);
  if (err instanceof ConfigError) return taskError(STATUS.transient, err.message, "config_error");
  console.error({ msg: "activeplatform call failed", error: err instanceof Error ? err.message : String(err) });
  return taskError(STATUS.internal, "internal error", "error");
}

/** Our ids only (external_id, user id): never a name, e-mail or anything else from the body. */
function idOf(body: JsonObject): string | undefined {
  const id = body.external_id ?? body.id;
  return typeof id === "string" ? clip(id) : undefined;
}

function logCall(
  event: ApEvent | null,
  rest: string,
  caller: Caller,
  answer: Pick<ApAnswer, "status" | "outcome">,
  id: string | undefined,
  started: number,
): void {
  // An object, not a JSON string: Workers Logs indexes its fields.
  console.log({
    route: "activeplatform",
    event: event ?? (rest ? `unknown:${clip(rest)}` : undefined),
    ap_guid: caller.apGuid === null ? undefined : clip(caller.apGuid),
    reseller_id: caller.resellerId === null ? undefined : clip(caller.resellerId),
    id,
    status: answer.status,
    outcome: answer.outcome,
    ms: Date.now() - started,
  });
}
