import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the real Durable Objects, KV and Queues declared in
// wrangler.toml. Bindings that tests need fixed values for are overridden here, never secrets
// from a developer's .dev.vars.
export default defineConfig({
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
  test: {
    include: ["test/**/*.test.ts"],
    // The first request of a file starts workerd and its Durable Objects; on 2 shared cores that
    // can take seconds. Speed is measured by `npm run bench`, never by test timeouts.
    testTimeout: 30_000,
  },
});
