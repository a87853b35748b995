import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Two projects:
// - "workers": the gateway's tests, inside workerd with the real Durable Objects, KV and Queues
//   declared in wrangler.toml. Bindings tests need fixed values for are set here, never secrets
//   from a developer's .dev.vars.
// - "node": tests of the Node tools (simulator, mock partners, OpenAPI document validation),
//   which run on a developer's machine, not in workerd.
export default defineConfig({
  test: {
    // The first request of a file starts workerd and its Durable Objects; on 2 shared cores that
    // can take seconds. Speed is measured by `npm run bench`, never by test timeouts.
    testTimeout: 30_000,
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                KOOGALLERY_ACCESS_KEY: "a1b2c3d4-e5f6-4711-8899-aabbccddeeff",
                ADMIN_TOKEN: "test-admin-token",
                ACTIVEPLATFORM_PATH_SECRET: "test-path-secret-0123456789abcdef",
                KOOGALLERY_FRONTEND_URL: "https://app.example.test/",
              },
            },
          }),
        ],
        test: { name: "workers", include: ["test/**/*.test.ts"], exclude: ["test/node/**"], testTimeout: 30_000 },
      },
      {
        test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
      },
    ],
  },
});
