/**
 * The README's local walkthrough, automated: the gateway under `wrangler dev` as `npm start` runs
 * it, with its real Durable Objects, KV and Queues and persisted local state; the mock partners
 * as real HTTP servers; and the simulator CLI driving a full KooGallery lifecycle. Every partner
 * must end up with exactly the calls the lifecycle implies, each verified by the mock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimulator } from "./support/simulator-cli";
import { startMocks } from "../../tools/mocks/index.mjs";
import { startWranglerDev, type DevServer } from "../../tools/lib/wrangler-dev.mjs";

interface Received {
  path: string;
  ok: boolean;
  body: string;
  headers: Record<string, string>;
}
interface Mocks {
  urls: { vendor: string; koodrive: string; mor: string };
  received: { vendor: Received[]; koodrive: Received[]; mor: Received[] };
  gatewayVars: Record<string, string>;
  close(): Promise<void>;
}

let work: string;
let mocks: Mocks;
let gateway: DevServer;
let gatewayUrl: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "walkthrough-"));
  mocks = (await startMocks({ portBase: 0, log: false })) as Mocks;
  gateway = await startWranglerDev({
    persistTo: join(work, "state"),
    vars: {
      ADMIN_TOKEN: "walkthrough-admin",
      VENDOR_WEBHOOK_URL: mocks.urls.vendor,
      KOODRIVE_BASE_URL: mocks.urls.koodrive,
      KOODRIVE_USER_ID: mocks.gatewayVars.KOODRIVE_USER_ID!,
      MOR_BASE_URL: mocks.urls.mor,
      OPS_WEBHOOK_URL: mocks.gatewayVars.OPS_WEBHOOK_URL!,
    },
  });
  gatewayUrl = gateway.url;
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await mocks?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const simulate = (args: string[]) => runSimulator(gatewayUrl, args);

async function eventually(check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) {
      const seen = Object.entries(mocks.received).map(([p, rs]) => `${p}: ${rs.map((r) => `${r.path} ${r.ok ? "ok" : "refused"}`).join(", ")}`);
      throw new Error(`partners did not receive the expected calls in time; received:\n${seen.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("local walkthrough: gateway + mock partners + simulator", () => {
  it("a full KooGallery V1 lifecycle reaches every partner exactly as the lifecycle implies", async () => {
    const run = await simulate(["--scenario", "full-lifecycle", "--target", "koogallery-v1", "--test-flag", "0"]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain("OK: 5/5 steps succeeded");
    const instanceId = /"instanceId":"([0-9a-f-]{36})"/.exec(run.out)?.[1];
    expect(instanceId).toBeDefined();

    const mine = (r: Received) => r.body.includes(instanceId!);
    const notify = () => mocks.received.koodrive.filter((r) => r.path.endsWith("notifyPackageExpire") && r.ok);
    const mor = (method: string) => mocks.received.mor.filter((r) => r.path.endsWith(method) && r.ok);
    await eventually(
      () =>
        mocks.received.vendor.filter((r) => r.ok && mine(r)).length >= 4 &&
        notify().length >= 1 &&
        mor("subscription_update").length >= 2 &&
        mor("subscription_delete").length >= 1,
    );

    const types = mocks.received.vendor.filter((r) => r.ok && mine(r)).map((r) => JSON.parse(r.body).type);
    expect(types.sort()).toEqual(["instance.expired", "instance.provisioned", "instance.released", "instance.renewed"]);
    expect(new Set(mocks.received.vendor.filter(mine).map((r) => r.headers["webhook-id"])).size).toBe(4);
    expect(notify()).toHaveLength(1);
    expect(JSON.parse(notify()[0]!.body)).toMatchObject({ type: 2, packageId: "14" });
    expect(mor("subscription_update")).toHaveLength(2);
    expect(mor("subscription_delete")).toHaveLength(1);

    // The admin API shows every delivery settled.
    const response = await fetch(`${gatewayUrl}/admin/instances/koogallery:${instanceId}`, { headers: { authorization: "Bearer walkthrough-admin" } });
    const details = (await response.json()) as { instance: { state: string }; deliveries: Array<{ connector: string; status: string }> };
    expect(details.instance.state).toBe("released");
    // provisioned: vendor; renewed: vendor, mor; expired: vendor, koodrive, mor; released: vendor, mor.
    expect(details.deliveries.filter((d) => d.status === "delivered")).toHaveLength(8);
  }, 120_000);
});
