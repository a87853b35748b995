/**
 * @module http/health
 * `GET /healthz`: version, configured connectors, whether operational events are on, and
 * configuration problems (setting names only).
 */
import type { Bindings } from "../bindings";
import { configProblems, enabledConnectors, opsEnabled } from "../config";
import { VERSION } from "../version";

export function health(env: Bindings): Response {
  const problems = configProblems(env);
  return Response.json(
    { status: problems.length === 0 ? "ok" : "degraded", version: VERSION, connectors: enabledConnectors(env), opsEvents: opsEnabled(env), problems },
    { status: 200 },
  );
}
