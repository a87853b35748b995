/**
 * @module marketplaces/activeplatform/process
 * Carries out a verified, validated ActivePlatform call against the instance Durable Objects and
 * returns the answer. Thin: transitions are decided by the state machine inside the object; this
 * module picks the keys and maps the object's verdict onto §A.7 statuses.
 */
import type { Bindings } from "../../bindings";
import type { ApplyResult } from "../../instance/instance-object";
import { mayAct, normalizeOwner } from "../../lifecycle/owner";
import { addPeriod } from "../../lifecycle/state-machine";
import type { InstanceRecord, JsonObject, LifecycleCommand, Subject } from "../../lifecycle/types";
import {
  alreadyApplied,
  anchorAfter,
  command,
  contentDigest,
  instanceKey,
  renewEventKey,
  renewFingerprint,
  STATE_ACTIONS,
  stateEventKey,
  subscriptionGuid,
  userGuid,
  userKey,
  type Caller,
  type Current,
} from "./commands";
import { EVENT_PATHS, type ApEvent } from "./paths";
import { ApFault, STATUS, taskError, type ApAnswer } from "./respond";
import { judgeResources } from "./resources";
import { periodOf, type BodyOf, type Period } from "./schemas";
import { instanceObject } from "../../instance/stub";

export interface ApCall {
  event: ApEvent;
  caller: Caller;
  body: JsonObject;
}

/** What processing needs besides the call: the server secret that keys the ids it hands out. */
export interface ApContext {
  env: Bindings;
  idSecret: string;
}

/** The Renew page's answer for an endless subscription (docs/activeplatform.md §A.8); the state machine uses the same words. */
const NO_EXPIRY_MESSAGE = "Subscription must have an expiration date to be eligible for renew.";
/** History read to anchor content-scoped keys; most instances have far fewer events. */
const RECENT_EVENTS = 100;

/** A Durable Object that cannot be reached is a transient failure: ActivePlatform's operator may re-run. */
async function reach<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    console.error({ msg: "activeplatform: instance object call failed", error: err instanceof Error ? err.message : String(err) });
    throw new ApFault(STATUS.transient, "the service is temporarily unavailable; please retry the operation", "transient");
  }
}

const apply = (env: Bindings, cmd: LifecycleCommand) => reach(() => instanceObject(env, cmd.instanceKey).apply(cmd));
const view = (env: Bindings, key: string) => reach(() => instanceObject(env, key).view());

/** The instance with its recent history, or null when it was never created. */
async function current(env: Bindings, key: string): Promise<(Current & { instance: InstanceRecord }) | null> {
  const d = await reach(() => instanceObject(env, key).details(RECENT_EVENTS));
  if (!d) return null;
  return { instance: d.instance, version: d.instance.version, plan: d.instance.plan, events: d.events, complete: d.events.length < RECENT_EVENTS };
}

/**
 * Whether the caller may see this instance: only its creator may (lifecycle/owner). Anyone else
 * gets exactly the answer an unknown id gets, so an id cannot be probed from another installation.
 */
const visibleTo = (instance: InstanceRecord, caller: Caller): boolean => mayAct(instance.owner, normalizeOwner(caller.apGuid));

const unknownSubscription = (externalId: string) => taskError(STATUS.unknown, `unknown external_id ${externalId}`);
const unknownUser = (id: string) => taskError(STATUS.unknown, `unknown user id ${id}`);

/** The subscription a post-create event names; an unknown (or someone else's) external_id is the adapter's 404 fault. */
async function existing(env: Bindings, externalId: string, caller: Caller) {
  const key = instanceKey(externalId);
  const seen = await current(env, key);
  if (!seen || !visibleTo(seen.instance, caller)) throw new ApFault(STATUS.unknown, `unknown external_id ${externalId}`);
  return { externalId, key, seen };
}

export async function processCall(call: ApCall, ctx: ApContext): Promise<ApAnswer> {
  const { env } = ctx;
  switch (call.event) {
    case "subscription.create":
      return createSubscription(call, ctx);
    case "subscription.renew":
      return renew(call, env);
    case "subscription.change":
      return change(call, env);
    case "subscription.resource_validation":
      return validateResources(call, env);
    case "user.create":
      return createUser(call, ctx);
    case "user.update":
      return updateUser(call, env);
    default:
      return changeState(call, env);
  }
}

/** Maps the object's verdict: applied and duplicate answer alike, as the first time did. */
function answer(result: ApplyResult, subject: Subject, id: string, event: ApEvent, success: number = STATUS.ok): ApAnswer {
  if (result.outcome !== "rejected") return { status: success, body: result.answer, outcome: result.outcome };
  const noun = subject === "user" ? "user" : "subscription";
  switch (result.reason) {
    case "unknown_instance":
    case "not_owner":
      return subject === "user" ? unknownUser(id) : unknownSubscription(id);
    case "released":
      return taskError(STATUS.conflict, `${noun} ${id} was deleted`);
    case "illegal_transition":
      return taskError(STATUS.conflict, `${EVENT_PATHS[event]} is not allowed now: ${result.message.replace("an instance", `a ${noun}`)}`);
    case "no_expiry":
      return taskError(STATUS.rejected, result.message);
    default:
      return taskError(STATUS.internal, "internal error", "error");
  }
}

async function createSubscription(call: ApCall, { env, idSecret }: ApContext): Promise<ApAnswer> {
  const body = call.body as BodyOf<"subscription.create">;
  const subscriptionId = body.subscription.id;
  const externalId = await subscriptionGuid(idSecret, call.caller.apGuid, subscriptionId);
  const period = periodOf(body.plan.period);
  const key = instanceKey(externalId);
  const cmd: LifecycleCommand = {
    ...command(call, {
      subject: "instance",
      key,
      externalId,
      action: "provision",
      eventKey: `activeplatform:create:${externalId}`,
      keyScope: "order",
      answer: { external_id: externalId },
    }),
    expiresAt: period && period !== "endless" ? addPeriod(new Date(), period).toISOString() : null,
    plan: { ...body.plan, subscriptionId, ...(call.caller.apGuid ? { apGuid: call.caller.apGuid } : {}) },
  };
  return answer(await apply(env, cmd), "instance", externalId, call.event, STATUS.created);
}

async function renew(call: ApCall, env: Bindings): Promise<ApAnswer> {
  const body = call.body as BodyOf<"subscription.renew">;
  const found = await existing(env, body.external_id, call.caller);
  const { externalId, key, seen } = found;
  const { instance } = seen;
  if (instance.state === "released") return taskError(STATUS.conflict, `subscription ${externalId} was deleted`);

  // The renewal's own period, else the one stored at create or at the last change. An endless
  // period has nothing to renew: the Renew page's own 422 example says so in these words.
  const period = periodOf(body.plan?.period) ?? periodOf(instance.plan.period as Period);
  if (period === "endless" || instance.expiresAt === null) return taskError(STATUS.rejected, NO_EXPIRY_MESSAGE);
  if (!period) return taskError(STATUS.rejected, "plan.period is missing: there is no period to renew by");
  const fingerprint = await renewFingerprint(call.caller, externalId, call.body);
  const cmd: LifecycleCommand = {
    ...command(call, {
      subject: "instance",
      key,
      externalId,
      action: "renew",
      eventKey: renewEventKey(fingerprint, seen, period, Date.now()),
      keyScope: "order",
      answer: { external_id: externalId },
    }),
    extendBy: period,
    ...(body.plan ? { plan: { ...body.plan } } : {}),
  };
  return answer(await apply(env, cmd), "instance", externalId, call.event);
}

async function change(call: ApCall, env: Bindings): Promise<ApAnswer> {
  const body = call.body as BodyOf<"subscription.change">;
  const found = await existing(env, body.external_id, call.caller);
  const { externalId, key, seen } = found;
  const { instance } = seen;
  const plan: JsonObject = { ...body.plan };
  // The plan is already the requested one: a repeat of an applied change (or a change to nothing).
  if (instance.state !== "released" && alreadyApplied(instance.plan, plan)) {
    return { status: STATUS.ok, body: { external_id: externalId }, outcome: "duplicate" };
  }
  const cmd: LifecycleCommand = {
    ...command(call, {
      subject: "instance",
      key,
      externalId,
      action: "update",
      eventKey: `activeplatform:change:${await contentDigest(plan)}:${anchorAfter(seen, (e) => e.type === "instance.updated")}`,
      keyScope: "order",
      answer: { external_id: externalId },
    }),
    plan,
  };
  return answer(await apply(env, cmd), "instance", externalId, call.event);
}

async function validateResources(call: ApCall, env: Bindings): Promise<ApAnswer> {
  const body = call.body as BodyOf<"subscription.resource_validation">;
  const instance = await view(env, instanceKey(body.external_id));
  if (!instance || !visibleTo(instance, call.caller)) return unknownSubscription(body.external_id);
  const verdict = judgeResources(body.external_id, instance, body.plan.resources);
  if (verdict.allow) return { status: STATUS.ok, body: {}, outcome: "allowed" };
  return taskError(STATUS.rejected, verdict.reason, "denied");
}

/** The profile a user event carries, for change detection: everything but the id and the password. */
function profileOf(body: JsonObject): JsonObject {
  const { id: _id, password: _password, ...profile } = body;
  return profile;
}

async function createUser(call: ApCall, { env, idSecret }: ApContext): Promise<ApAnswer> {
  const body = call.body as BodyOf<"user.create">;
  const id = await userGuid(idSecret, call.caller, body.email);
  const key = userKey(id);
  const cmd: LifecycleCommand = {
    ...command(call, {
      subject: "user",
      key,
      externalId: id,
      action: "provision",
      eventKey: `${key}:create`,
      keyScope: "order",
      answer: { id },
    }),
    expiresAt: null,
    plan: userPlan(call.caller, await contentDigest(profileOf(call.body))),
  };
  const result = await apply(env, cmd);
  // The id is derived from the e-mail, so a user created again after delete would name the
  // deleted one: say so rather than answer success for a user that stays deleted.
  if (result.outcome === "duplicate" && result.instance.state === "released") {
    return taskError(STATUS.conflict, `user ${id} with this e-mail was deleted and cannot be created again`);
  }
  return answer(result, "user", id, call.event, STATUS.created);
}

function userPlan(caller: Caller, profileDigest: string): JsonObject {
  return {
    profileDigest,
    ...(caller.apGuid ? { apGuid: caller.apGuid } : {}),
    ...(caller.resellerId ? { resellerId: caller.resellerId } : {}),
  };
}

async function updateUser(call: ApCall, env: Bindings): Promise<ApAnswer> {
  const body = call.body as BodyOf<"user.update">;
  const key = userKey(body.id);
  const seen = await current(env, key);
  if (!seen || !visibleTo(seen.instance, call.caller)) return unknownUser(body.id);
  const { instance } = seen;
  const digest = await contentDigest(profileOf(call.body));
  if (instance.state !== "released" && instance.plan.profileDigest === digest) {
    return { status: STATUS.ok, body: { id: body.id }, outcome: "duplicate" };
  }
  const cmd: LifecycleCommand = {
    ...command(call, {
      subject: "user",
      key,
      externalId: body.id,
      action: "update",
      eventKey: `${key}:update:${digest}:${anchorAfter(seen, (e) => e.type === "user.updated")}`,
      keyScope: "order",
      answer: { id: body.id },
    }),
    plan: { profileDigest: digest },
  };
  return answer(await apply(env, cmd), "user", body.id, call.event);
}

/** stop, activate, delete and their user counterparts: a target state, state-scoped. */
async function changeState(call: ApCall, env: Bindings): Promise<ApAnswer> {
  const action = STATE_ACTIONS[call.event];
  if (!action) throw new ApFault(STATUS.notImplemented, `event ${call.event} is not implemented`);
  const subject: Subject = call.event.startsWith("user.") ? "user" : "instance";
  const id = subject === "user" ? String(call.body.id) : String(call.body.external_id);
  const key = subject === "user" ? userKey(id) : instanceKey(id);
  const cmd = command(call, {
    subject,
    key,
    externalId: id,
    action,
    eventKey: stateEventKey(key, action),
    keyScope: "state",
    answer: subject === "user" ? { id } : { external_id: id },
  });
  return answer(await apply(env, cmd), subject, id, call.event);
}
