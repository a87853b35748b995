/**
 * The console in a real browser (Debian's Chromium driven by playwright-core) against the gateway
 * under `wrangler dev` with the mock partners: sign in, find an instance and read its timeline,
 * replay a dead letter, pause and resume a connector, follow a drift found by the reconciliation
 * sweep. Screenshots go to test-results/console/.
 *
 * MOR answers 400 to everything until the drift case, so the lifecycle's MOR deliveries are
 * dead-lettered at once and there is something to replay. The drift case then lets MOR answer,
 * renews a fresh instance and edits its subscription in the mock MOR behind the gateway's back.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { DriftPage } from "../../src/admin/reconcile-schemas";
import { hasChromium, launchChromium } from "../../tools/browser/chromium.mjs";
import { startMocks } from "../../tools/mocks/index.mjs";
import { SPEC_TEST_KEY } from "../../tools/lib/koogallery-signer.mjs";
import { REPO_DIR, startWranglerDev, type DevServer } from "../../tools/lib/wrangler-dev.mjs";
import { runAction, runScenario } from "../../tools/simulate/run.mjs";

const ADMIN_TOKEN = "console-admin-token";
const SHOTS = join(REPO_DIR, "test-results", "console");
// CI installs Chromium (.ci/run); a developer without it is told, not failed.
const browserMissing = !hasChromium() && process.env.CI !== "true";

interface Mocks {
  urls: { vendor: string; koodrive: string; mor: string };
  gatewayVars: Record<string, string>;
  setFaults(server: "mor", patch: Record<string, unknown>): void;
  mor: { edit(id: string, change: { end: string }): unknown };
  close(): Promise<void>;
}
/** A drift as `GET /admin/drift` lists it: the admin API's own schema. */
type Drift = z.infer<typeof DriftPage>["items"][number];
interface Details {
  instance: { expiresAt: string; refs: Record<string, string> };
  deliveries: Array<{ connector: string; status: string }>;
}

let work: string;
let mocks: Mocks;
let gateway: DevServer;
let browser: Browser;
let page: Page;
let instanceKey: string;

async function admin<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${gateway.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" } });
  expect(response.status, `${path}: ${response.status}`).toBeLessThan(300);
  return (await response.json()) as T;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe.skipIf(browserMissing)("console in Chromium", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "console-"));
    mkdirSync(SHOTS, { recursive: true });
    mocks = (await startMocks({ portBase: 0, log: false, mor: { faults: { status: 400 } } })) as Mocks;
    gateway = await startWranglerDev({
      persistTo: join(work, "state"),
      vars: { ...mocks.gatewayVars, ADMIN_TOKEN },
    });
    const run = (await runScenario({ scenario: "full-lifecycle", target: "koogallery-v1", url: gateway.url, key: SPEC_TEST_KEY, testFlag: "0" }, fetch)) as {
      ok: boolean;
      steps: Array<{ body?: unknown }>;
    };
    expect(run.ok).toBe(true);
    const instanceId = run.steps.map((s) => (s.body as { instanceId?: string } | undefined)?.instanceId).find(Boolean);
    expect(instanceId).toBeDefined();
    instanceKey = `koogallery:${instanceId}`;
    await until(async () => (await admin<{ items: unknown[] }>("/admin/dead-letters")).items.length > 0, "a dead letter", 150_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await mocks?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("signs in with the admin token, kept only in the tab's session storage", async () => {
    await page.goto(`${gateway.url}/console/`);
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Overview" }).isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe("");
  });

  it("a wrong token is refused and nothing is shown", async () => {
    const other = await browser.newPage();
    await other.goto(`${gateway.url}/console/`);
    await other.getByLabel("Admin token").fill("not-the-token");
    await other.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => other.getByRole("status").textContent()).toContain("not accepted");
    expect(await other.getByRole("heading", { name: "Overview" }).isVisible()).toBe(false);
    await other.close();
  });

  it("pauses and resumes a connector from the overview, after confirmation", async () => {
    await page.goto(`${gateway.url}/console/#/overview`);
    await page.getByRole("button", { name: "Pause mor" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Resume mor" }).isVisible()).toBe(true);
    const connectors = await admin<{ connectors: Array<{ name: string; paused: boolean }> }>("/admin/connectors");
    expect(connectors.connectors.find((c) => c.name === "mor")?.paused).toBe(true);
    await page.screenshot({ path: join(SHOTS, "overview.png"), fullPage: true });
    await page.getByRole("button", { name: "Resume mor" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Pause mor" }).isVisible()).toBe(true);
  });

  it("finds the instance and shows its timeline with every delivery and attempt", async () => {
    await page.goto(`${gateway.url}/console/#/instances`);
    await page.getByLabel("Key").fill(instanceKey);
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.getByRole("heading", { name: instanceKey }).isVisible()).toBe(true);
    const timeline = page.locator("#timeline");
    for (const type of ["instance.provisioned", "instance.renewed", "instance.expired", "instance.released"]) {
      await expect.poll(() => timeline.getByText(type, { exact: true }).count()).toBe(1);
    }
    expect(await timeline.getByText("dead", { exact: true }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "instance.png"), fullPage: true });
  });

  it("replays a dead letter after confirmation and says what replay did", async () => {
    await page.goto(`${gateway.url}/console/#/dead-letters`);
    const rows = page.locator("#dead-letters tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    await rows.first().getByRole("button", { name: "Replay" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.locator("#replay-result").textContent()).toMatch(/queued again|not replayed/);
    await page.screenshot({ path: join(SHOTS, "dead-letters.png"), fullPage: true });
  });

  it("shows a drift found by the sweep on the overview and follows it to the instance page", async () => {
    const details = (key: string) => admin<Details>(`/admin/instances/${encodeURIComponent(key)}`);
    const settled = (d: Details) => d.deliveries.every((x) => x.connector !== "mor" || ["delivered", "skipped", "dead"].includes(x.status));
    // The lifecycle instance's MOR deliveries all end dead while MOR still refuses: its release never
    // reaches MOR, which keeps the subscription, so the sweep finds that drift too.
    await until(async () => settled(await details(instanceKey)), "the lifecycle instance's MOR deliveries dead-lettered");
    mocks.setFaults("mor", { status: null });
    const call = async (action: string, instanceId?: string) => {
      const run = (await runAction({ target: "koogallery-v1", action, instanceId, url: gateway.url, key: SPEC_TEST_KEY, testFlag: "0" }, fetch)) as {
        ok: boolean;
        steps: Array<{ body?: unknown }>;
      };
      expect(run.ok, action).toBe(true);
      return (run.steps[0]!.body as { instanceId?: string }).instanceId;
    };
    const driftedId = await call("newInstance");
    await call("refreshInstance", driftedId);
    const drifted = `koogallery:${driftedId}`;
    // The sweep does not judge an instance while a MOR delivery is on its way.
    await until(async () => {
      const d = await details(drifted);
      return settled(d) && d.deliveries.some((x) => x.connector === "mor" && x.status === "delivered");
    }, "the renewal delivered to MOR");
    const { instance } = await details(drifted);
    mocks.mor.edit(instance.refs["mor.subscriptionId"]!, { end: "2031-01-01T00:00:00Z" });
    for (let run = 0; run < 10 && !(await admin<{ done: boolean }>("/admin/reconcile", { method: "POST" })).done; run++);

    const found = (await admin<{ items: Drift[] }>("/admin/drift")).items;
    const expiresAt = new Date(instance.expiresAt).toISOString();
    expect(found.map(({ instanceKey: key, connector, partnerValue, instanceValue }) => ({ key, connector, partnerValue, instanceValue }))).toEqual(
      expect.arrayContaining([
        { key: drifted, connector: "mor", partnerValue: "end 2031-01-01T00:00:00.000Z", instanceValue: `end ${expiresAt}` },
        { key: instanceKey, connector: "mor", partnerValue: "until canceled", instanceValue: "gone" },
      ]),
    );
    expect(found).toHaveLength(2);
    // The console's words for it, its time as this browser writes times.
    const since = await page.evaluate((iso) => new Date(iso).toLocaleString(), found.find((d) => d.instanceKey === drifted)!.since);
    const words = `mor holds "end 2031-01-01T00:00:00.000Z", the instance says "end ${expiresAt}", since ${since}`;

    await page.goto(`${gateway.url}/console/#/overview`);
    const card = page.getByRole("article", { name: "Drift", exact: true });
    await expect.poll(() => card.getByText("2 instances drifted", { exact: true }).isVisible()).toBe(true);
    const item = card
      .getByRole("list", { name: "Drifted instances" })
      .getByRole("listitem")
      .filter({ has: page.getByRole("link", { name: drifted }) });
    expect(await item.textContent()).toBe(`${drifted} ${words}`);
    await page.screenshot({ path: join(SHOTS, "overview-drift.png"), fullPage: true });

    await item.getByRole("link", { name: drifted }).click();
    await expect.poll(() => page.getByRole("heading", { name: drifted }).isVisible()).toBe(true);
    const facts = page.locator("#instance-facts");
    await expect.poll(() => facts.getByRole("term").filter({ hasText: "Drift (mor)" }).count()).toBe(1);
    expect(await facts.getByRole("definition").filter({ hasText: words }).textContent()).toBe(words);
    await page.screenshot({ path: join(SHOTS, "instance-drift.png"), fullPage: true });
  }, 120_000);

  it("is usable on a phone-sized screen", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${gateway.url}/console/`);
    await phone.evaluate((token) => sessionStorage.setItem("lifecycle-gateway.adminToken", token), ADMIN_TOKEN);
    await phone.goto(`${gateway.url}/console/#/overview`);
    await expect.poll(() => phone.getByRole("heading", { name: "Overview" }).isVisible()).toBe(true);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(SHOTS, "overview-phone.png"), fullPage: true });
    await phone.close();
  });
});

describe.runIf(browserMissing)("console in Chromium", () => {
  it.skip("needs Chromium: run `npm run browser:install` (Debian's chromium package)", () => {});
});
