/**
 * @module projection/journal
 * What one batch of the deliveries consumer leaves behind besides the instance reports: the
 * delivery versions for the operations index and the successes the connector gates want to hear
 * of, each sent once per batch (one index request, one gate request per connector) after every
 * message of the batch is settled.
 */
import type { Bindings } from "../bindings";
import type { ConnectorName } from "../config";
import type { DeliveryMessage } from "../delivery/message";
import type { Admission } from "../gate/connector-gate";
import { reportSuccesses } from "../gate/admission";
import type { DeliveryRecord } from "../instance/records";
import { project } from "./project";
import { deliveryProjection, type DeliveryProjection, type FigureOutcome } from "./types";

export class DeliveryJournal {
  readonly #projections: DeliveryProjection[] = [];
  readonly #successes = new Map<ConnectorName, string[]>();

  /** An attempt's result as the instance recorded it (null: the instance no longer knows the delivery). */
  attempted(delivery: DeliveryMessage, record: DeliveryRecord | null, outcome: FigureOutcome, gate: Admission): void {
    if (record) this.#projections.push(deliveryProjection(record, delivery.instanceKey, delivery.event.type, outcome));
    if (outcome === "delivered" && (gate.tracking || gate.probe)) {
      const ids = this.#successes.get(delivery.connector) ?? [];
      ids.push(delivery.deliveryId);
      this.#successes.set(delivery.connector, ids);
    }
  }

  /** Never throws: a lost projection only lets the index lag. */
  async flush(env: Bindings): Promise<void> {
    await Promise.all([
      project(env, { deliveries: this.#projections }),
      ...[...this.#successes].map(([connector, ids]) => reportSuccesses(env, connector, ids)),
    ]);
  }
}
