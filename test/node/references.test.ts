/**
 * Every document a comment, test or the README cites lives in the repository, and every cited
 * section (`docs/mor.md §C.3`, `docs/koogallery.md §6 #11`) is a heading there: a maintainer can
 * follow each reference without the workshop the project was written in.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_DIR } from "../../tools/lib/wrangler-dev.mjs";

const tracked = execFileSync("git", ["ls-files", "src", "test", "tools", "bench", "public", "README.md", "BENCHMARKS.md", "RELIABILITY.md"], {
  cwd: REPO_DIR,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f && existsSync(join(REPO_DIR, f)));

const CITATION = /docs\/([a-z-]+\.md)(?:[ ,]*§\s*([A-Z]?\d+(?:\.\d+)*|[A-Z](?:\.\d+)*))?/g;

function citations(): Array<{ file: string; doc: string; section: string | undefined }> {
  const out: Array<{ file: string; doc: string; section: string | undefined }> = [];
  for (const file of tracked) {
    if (file === "test/node/references.test.ts") continue;
    for (const m of readFileSync(join(REPO_DIR, file), "utf8").matchAll(CITATION)) out.push({ file, doc: m[1]!, section: m[2] });
  }
  return out;
}

describe("references", () => {
  const all = citations();

  it("are made (the check would pass vacuously otherwise)", () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it("name documents that exist in docs/", () => {
    const missing = all.filter((c) => !existsSync(join(REPO_DIR, "docs", c.doc))).map((c) => `${c.file}: docs/${c.doc}`);
    expect(missing).toEqual([]);
  });

  it("name sections that are headings of those documents", () => {
    const missing = all
      .filter((c) => c.section && existsSync(join(REPO_DIR, "docs", c.doc)))
      .filter((c) => {
        const headings = readFileSync(join(REPO_DIR, "docs", c.doc), "utf8")
          .split("\n")
          .filter((l) => l.startsWith("#"));
        const escaped = c.section!.replace(/\./g, "\\.");
        return !headings.some((h) => new RegExp(`^#+\\s*(§\\s*)?${escaped}(\\.|\\s|$)`).test(h));
      })
      .map((c) => `${c.file}: docs/${c.doc} §${c.section}`);
    expect(missing).toEqual([]);
  });

  it("never point outside the repository", () => {
    const outside = tracked.filter(
      (f) => f !== "test/node/references.test.ts" && /\.\.\/shared|shared\/specs|shared\/seeds/.test(readFileSync(join(REPO_DIR, f), "utf8")),
    );
    expect(outside).toEqual([]);
  });
});
