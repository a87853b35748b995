/**
 * The mock partners' self-check (tools/mocks/selftest.mjs) as part of `npm test`: every check is
 * one test here, in the self-check's order, since they share one set of mocks and one clock.
 */
import { afterAll, beforeAll, test } from "vitest";
import { start, stop, tests } from "../../tools/mocks/selftest.mjs";

beforeAll(start);
afterAll(stop);

for (const check of tests)
  test(check.name, async () => {
    await check.fn();
  });
