import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects:
// - "workers": the gateway's tests, inside workerd with the real Durable Objects, KV and Queues
//   declared in wrangler.toml. Bindings tests need fixed values for are set here, never secrets
//   from a developer's .dev.vars.
// - "node": tests of the Node tools (simulator, mock partners, OpenAPI document validation),
//   which run on a developer's machine, not in workerd.
const BASE_BINDINGS = {
  KOOGALLERY_ACCESS_KEY: "a1b2c3d4-e5f6-4711-8899-aabbccddeeff",
  ADMIN_TOKEN: "test-admin-token",
  ACTIVEPLATFORM_PATH_SECRET: "test-path-secret-0123456789abcdef",
  KOOGALLERY_FRONTEND_URL: "https://app.example.test/",
};

export default defineConfig({
  test: {
    // The first request of a file starts workerd and its Durable Objects; on 2 shared cores that
    // can take seconds. Speed is measured by `npm run bench`, never by test timeouts.
    testTimeout: 30_000,
    // The Worker logs one JSON object per call; keep them for failing tests only, so that a green
    // run fits on a screen and a red one shows what the Worker said.
    silent: "passed-only",
    reporters: ["dot"],
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: BASE_BINDINGS,
            },
          }),
        ],
        test: {
          name: "workers",
          silent: "passed-only",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**", "test/delivery-flow/**", "test/browser/**"],
          testTimeout: 30_000,
        },
      },
      {
        // The same Worker with every connector pointed at mock partners, which the tests install
        // at the fetch boundary (test/support/partners.ts).
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...BASE_BINDINGS,
                VENDOR_WEBHOOK_URL: "https://vendor.test/webhooks",
                VENDOR_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                KOODRIVE_BASE_URL: "https://koodrive.test",
                KOODRIVE_AUTH_MODE: "token",
                KOODRIVE_ACCOUNT: "carrier-admin",
                KOODRIVE_PASSWORD: "carrier-pass",
                KOODRIVE_AGENT_NAME: "lifecycle-gateway-test",
                KOODRIVE_TOKEN_SCHEME: "bearer",
                KOODRIVE_USER_ID: "1505084218764547200",
                MOR_BASE_URL: "https://mor.test",
                MOR_USERNAME: "admin",
                MOR_API_SECRET: "mor-test-secret",
                MOR_DELETE_ACTION: "1",
                OPS_WEBHOOK_URL: "https://ops.test/ops",
                OPS_WEBHOOK_SECRET: "whsec_b3BzLWVuZHBvaW50LXRlc3Qta2V5LTAxMjM0NTY3",
                ENTITLEMENTS_TOKEN: "test-entitlements-token-0123456789",
                // Flows feed bursts of deliveries; test/delivery-flow/rate-limit.test.ts sets its own ceiling.
                CONNECTOR_RATE_LIMITS: "mor=1000,koodrive=1000,vendor=1000",
              },
            },
          }),
        ],
        test: { name: "delivery", silent: "passed-only", include: ["test/delivery-flow/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        test: {
          name: "node",
          silent: "passed-only",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          // The fuzz slice reads wrangler's SQLite state with node:sqlite, which Node 22 still calls experimental (as `npm run fuzz` does).
          execArgv: ["--disable-warning=ExperimentalWarning"],
        },
      },
      {
        // The console in Debian's Chromium (playwright-core), against the gateway under wrangler dev.
        test: { name: "browser", silent: "passed-only", include: ["test/browser/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
      },
    ],
  },
});
