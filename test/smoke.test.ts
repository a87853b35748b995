import { env, exports } from "cloudflare:workers";
import { it, expect } from "vitest";
it("works", async () => {
  const r = await exports.default.fetch("http://x/");
  expect(await r.text()).toBe("ok");
  const stub = env.INSTANCES.get(env.INSTANCES.idFromName("a"));
  expect(await stub.hello()).toBe("hi");
});
