import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DeadLetterPage } from "../../src/admin/schemas";
import { indexDeadLetter, type DeadLetterSummary } from "../../src/delivery/dead-letters";
import { call, type ErrorAnswer } from "./support";

type Page = ReturnType<typeof DeadLetterPage.parse>;

/** 23 dead letters, one a minute on 2001-02-03; indexed out of order (odd minutes first). */
const SEEDED: DeadLetterSummary[] = Array.from({ length: 23 }, (_, i) => ({
  deliveryId: `dlv_page${String(i).padStart(28, "0")}`,
  instanceKey: `koogallery:00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
  connector: i % 2 ? "mor" : "vendor",
  eventType: "instance.expired",
  reason: `partner answered 500 (${i})`,
  attempts: 8,
  deadAt: new Date(Date.UTC(2001, 1, 3, 0, i)).toISOString(),
}));

async function allPages(limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const answer = await call<Page>(`/dead-letters?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(answer.status, answer.text).toBe(200);
    const page = DeadLetterPage.parse(answer.body);
    pages.push(page);
    cursor = page.cursor;
    expect(pages.length).toBeLessThan(50);
  } while (cursor);
  return pages;
}

describe("GET /admin/dead-letters", () => {
  beforeAll(async () => {
    const outOfOrder = [...SEEDED.filter((_, i) => i % 2 === 1), ...SEEDED.filter((_, i) => i % 2 === 0)];
    for (const s of outOfOrder) await indexDeadLetter(env.CACHE, s);
  });

  it("pages through every dead letter once, newest first, with a null cursor at the end", async () => {
    const pages = await allPages(5);
    for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(5);
    expect(pages.at(-1)?.cursor).toBeNull();
    const items = pages.flatMap((p) => p.items);
    const ids = items.map((i) => i.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    const times = items.map((i) => Date.parse(i.deadAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const ours = items.filter((i) => i.deliveryId.startsWith("dlv_page"));
    expect(ours).toEqual([...SEEDED].reverse());
  });

  it("the page size follows limit and defaults to 50", async () => {
    const two = await call<Page>("/dead-letters?limit=2");
    expect(two.body.items).toHaveLength(2);
    expect(two.body.cursor).toEqual(expect.any(String));
    const all = await call<Page>("/dead-letters");
    expect(all.body.items.length).toBeGreaterThanOrEqual(23);
    expect(all.body.items.length).toBeLessThanOrEqual(50);
  });

  it("a cursor continues where the previous page stopped", async () => {
    const first = await call<Page>("/dead-letters?limit=3");
    const next = await call<Page>(`/dead-letters?limit=3&cursor=${encodeURIComponent(first.body.cursor!)}`);
    const both = await call<Page>("/dead-letters?limit=6");
    expect([...first.body.items, ...next.body.items]).toEqual(both.body.items);
  });

  it.each(["limit=0", "limit=101", "limit=ten", "cursor="])("%s is 400", async (query) => {
    const answer = await call<ErrorAnswer>(`/dead-letters?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/^query\.(limit|cursor): /);
  });
});
