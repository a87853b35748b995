/**
 * @module admin/routes
 * One function per admin operation: validate the input with its schema, ask the instance's
 * Durable Object or the dead-letter index, present the answer (personal data, secrets), send it
 * through its response schema. The paths and methods live in `admin/handler.ts`.
 */
import type { Bindings } from "../bindings";
import { forwardPersonalData } from "../config";
import type { BodyResult } from "../http/body";
import { listDeadLetters } from "../delivery/dead-letters";
import { AdminError, queryOf, readJson, send, sendDocument, validate } from "./io";
import { adminOpenApiDocument } from "./openapi";
import { presentDelivery, presentDetails, presentInstance } from "./present";
import { instanceDetails, replayDelivery, replayInstance, replayWindow } from "./replay";
import {
  BulkReplayResponse,
  DeadLetterPage,
  DeadLetterQuery,
  DeadLetterReplayRequest,
  DeliveryPath,
  InstanceDetailsQuery,
  InstanceDetailsResponse,
  InstancePath,
  InstanceReplayRequest,
  InstanceResponse,
  RefsUpdateRequest,
  ReplayQuery,
  ReplayResponse,
} from "./schemas";
import { instanceObject } from "../instance/stub";

export interface AdminRequest {
  request: Request;
  url: URL;
  /** Path parameters, already percent-decoded. */
  params: Record<string, string>;
  env: Bindings;
  /** The request body, read before anything answered. */
  body: BodyResult;
}

const noInstance = (key: string) => new AdminError(404, "not_found", `no instance ${key}`);

export function getOpenApi(): Response {
  return sendDocument(adminOpenApiDocument());
}

export async function getInstance({ url, params, env }: AdminRequest): Promise<Response> {
  const { key } = validate(InstancePath, params, "path");
  const { limit } = validate(InstanceDetailsQuery, queryOf(url), "query");
  const personal = forwardPersonalData(env);
  const details = await instanceDetails(env, key, limit);
  if (!details) throw noInstance(key);
  return send(InstanceDetailsResponse, presentDetails(details, personal));
}

export async function putInstanceRefs({ params, env, body: raw }: AdminRequest): Promise<Response> {
  const { key } = validate(InstancePath, params, "path");
  const body = validate(RefsUpdateRequest, readJson(raw), "body");
  const personal = forwardPersonalData(env);
  const stub = instanceObject(env, key);
  const updated = await stub.mergeRefs(body.refs, body.appInfo);
  if (!updated) throw noInstance(key);
  return send(InstanceResponse, { instance: presentInstance(updated, personal), personalData: personal ? "included" : "withheld" });
}

export async function listDeadLetterPage({ url, env }: AdminRequest): Promise<Response> {
  const { limit, cursor } = validate(DeadLetterQuery, queryOf(url), "query");
  return send(DeadLetterPage, await listDeadLetters(env.CACHE, { limit, cursor: cursor ?? null }));
}

export async function postDeliveryReplay({ url, params, env }: AdminRequest): Promise<Response> {
  const { deliveryId } = validate(DeliveryPath, params, "path");
  const { instance, force } = validate(ReplayQuery, queryOf(url), "query");
  const outcome = await replayDelivery(env, deliveryId, instance, { force: force === "true" });
  switch (outcome.kind) {
    case "replayed":
      return send(
        ReplayResponse,
        {
          replayed: true,
          instanceKey: outcome.instanceKey,
          delivery: presentDelivery(outcome.delivery, forwardPersonalData(env)),
          forced: outcome.forced,
          supersededBy: outcome.supersededBy,
        },
        202,
      );
    case "not_replayable":
      throw new AdminError(409, "not_replayable", `${deliveryId}: ${outcome.message}`);
    case "superseded":
      throw new AdminError(409, "superseded", `${deliveryId}: ${outcome.message}`);
    case "unknown":
      throw new AdminError(
        404,
        "not_found",
        instance
          ? `no delivery ${deliveryId} in the dead-letter index or in ${instance}`
          : `no delivery ${deliveryId} in the dead-letter index; for one that is not dead yet, pass ?instance=<key>`,
      );
  }
}

export async function postInstanceReplay({ params, env, body }: AdminRequest): Promise<Response> {
  const { key } = validate(InstancePath, params, "path");
  const { limit, force } = validate(InstanceReplayRequest, readJson(body, {}), "body");
  const result = await replayInstance(env, key, limit, { force });
  if (!result) throw noInstance(key);
  return send(BulkReplayResponse, result);
}

export async function postDeadLetterReplay({ env, body: raw }: AdminRequest): Promise<Response> {
  const { force, ...window } = validate(DeadLetterReplayRequest, readJson(raw), "body");
  return send(BulkReplayResponse, await replayWindow(env, window, { force }));
}
