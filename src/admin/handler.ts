/**
 * @module admin/handler
 * Entry point for `/admin/*`: read the body (every route reads it before answering, see
 * `http/body.ts`), authenticate (so unknown paths reveal nothing either), refuse a body over the
 * limit, match the route table, then render any failure as `{"error":{"code","message"}}`.
 *
 * Its own small matcher rather than a second itty router: path parameters must be
 * percent-decoded (instance keys arrive as `koogallery:…` or `koogallery%3A…`), and a known path
 * with the wrong method deserves a 405 with `Allow`, not a 404.
 */
import type { Bindings } from "../bindings";
import { ConfigError } from "../config";
import { readBodyText } from "../http/body";
import { jsonError } from "../http/json-error";
import { bodyTooLargeError } from "../http/own-routes";
import { checkAdminAuth } from "./auth";
import { AdminError } from "./io";
import {
  getInstance,
  getOpenApi,
  listDeadLetterPage,
  postDeadLetterReplay,
  postDeliveryReplay,
  postInstanceReplay,
  putInstanceRefs,
  type AdminRequest,
} from "./routes";
import { listDrift, postReconcile } from "./reconcile-routes";
import { getStats, listConnectors, pauseConnector, rebuildIndex, resumeConnector, searchDeliveries, searchInstances } from "./operations-routes";

type Method = "GET" | "PUT" | "POST";
type Handle = (req: AdminRequest) => Promise<Response> | Response;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<Method, Handle>>;
}

/** `/admin/instances/{key}` (the OpenAPI template) to a regex with one named group per parameter. */
const path = (template: string): RegExp => new RegExp(`^${template.replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}/?$`);

/** The same templates as the OpenAPI document; test/admin/openapi.test.ts sends a request to each documented operation. */
const ADMIN_ROUTES: readonly Route[] = [
  { pattern: path("/admin/openapi.json"), methods: { GET: getOpenApi } },
  { pattern: path("/admin/instances"), methods: { GET: searchInstances } },
  { pattern: path("/admin/instances/{key}"), methods: { GET: getInstance } },
  { pattern: path("/admin/instances/{key}/refs"), methods: { PUT: putInstanceRefs } },
  { pattern: path("/admin/instances/{key}/replay"), methods: { POST: postInstanceReplay } },
  { pattern: path("/admin/dead-letters"), methods: { GET: listDeadLetterPage } },
  { pattern: path("/admin/dead-letters/replay"), methods: { POST: postDeadLetterReplay } },
  { pattern: path("/admin/deliveries/{deliveryId}/replay"), methods: { POST: postDeliveryReplay } },
  { pattern: path("/admin/deliveries"), methods: { GET: searchDeliveries } },
  { pattern: path("/admin/connectors"), methods: { GET: listConnectors } },
  { pattern: path("/admin/connectors/{name}/pause"), methods: { POST: pauseConnector } },
  { pattern: path("/admin/connectors/{name}/resume"), methods: { POST: resumeConnector } },
  { pattern: path("/admin/stats"), methods: { GET: getStats } },
  { pattern: path("/admin/index/rebuild"), methods: { POST: rebuildIndex } },
  { pattern: path("/admin/drift"), methods: { GET: listDrift } },
  { pattern: path("/admin/reconcile"), methods: { POST: postReconcile } },
];

export async function handleAdmin(request: Request, env: Bindings, _ctx?: ExecutionContext): Promise<Response> {
  try {
    const body = await readBodyText(request);
    const denied = await checkAdminAuth(request, env);
    if (denied) return denied;
    if (!body.ok && body.reason === "too_large") return bodyTooLargeError();
    const url = new URL(request.url);
    for (const route of ADMIN_ROUTES) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const handle = Object.hasOwn(route.methods, request.method) ? route.methods[request.method as Method] : undefined;
      if (!handle) {
        const allow = Object.keys(route.methods).join(", ");
        throw new AdminError(405, "method_not_allowed", `use ${allow}`, { Allow: allow });
      }
      return await handle({ request, url, params: decodeParams(match.groups ?? {}), env, body });
    }
    throw new AdminError(404, "not_found", "no such admin route");
  } catch (err) {
    return failure(err);
  }
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      throw new AdminError(400, "invalid_request", `path.${name}: malformed percent-encoding`);
    }
  }
  return out;
}

function failure(err: unknown): Response {
  if (err instanceof AdminError) return jsonError(err.status, err.code, err.message, err.headers);
  // A setting the route needs (FORWARD_PERSONAL_DATA) is malformed: say which, show nothing.
  if (err instanceof ConfigError) return jsonError(503, "config_error", err.message);
  console.error({ msg: "admin route failed", error: describe(err) });
  return jsonError(500, "internal_error", "internal error");
}

/** Enough to debug from logs, without values: a zod output failure lists paths and codes only. */
function describe(err: unknown): string {
  if (err && typeof err === "object" && "issues" in err && Array.isArray(err.issues)) {
    return `response schema: ${err.issues.map((i: { path?: unknown[]; code?: string }) => `${(i.path ?? []).join(".")} ${i.code ?? ""}`).join("; ")}`;
  }
  return err instanceof Error ? err.message : String(err);
}
