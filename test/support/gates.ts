/**
 * Connector gates in tests: reset between tests (a file's tests share storage), look inside,
 * and make the breaker's next probe due now instead of in minutes.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { ConnectorName } from "../../src/config";
import { forgetAdmissions } from "../../src/gate/admission";
import type { ConnectorGate, ConnectorGateView } from "../../src/gate/connector-gate";

export const gateFor = (connector: ConnectorName) => env.CONNECTOR_GATES.get(env.CONNECTOR_GATES.idFromName(connector));

export async function resetGates(): Promise<void> {
  for (const c of ["vendor", "koodrive", "mor"] as const) {
    await runInDurableObject(gateFor(c), (_gate: ConnectorGate, state) => {
      state.storage.sql.exec(`DELETE FROM samples; DELETE FROM parked; UPDATE gate SET paused_by = NULL, reason = NULL, since_ms = NULL,
        probe_delivery = NULL, probe_started_ms = NULL, next_probe_ms = NULL, probe_interval_ms = NULL, streak = 0, streak_first = NULL,
        streak_several = 0, last_success_ms = NULL, last_failure_ms = NULL, last_failure_reason = NULL`);
    });
  }
  forgetAdmissions();
}

export async function gateView(connector: ConnectorName): Promise<ConnectorGateView> {
  return (await gateFor(connector).view(connector)) as ConnectorGateView;
}

/** Runs the breaker's probe now, as its alarm would when the probe falls due. */
export async function probeNow(connector: ConnectorName): Promise<void> {
  await runInDurableObject(gateFor(connector), async (_gate: ConnectorGate, state) => {
    state.storage.sql.exec("UPDATE gate SET next_probe_ms = 0");
    // Whatever the alarm was set to, it is due now.
    await state.storage.setAlarm(Date.now() + 60_000);
  });
  await runDurableObjectAlarm(gateFor(connector));
}
