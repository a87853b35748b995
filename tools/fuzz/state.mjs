/**
 * @module tools/fuzz/state
 * "Nothing written", checked from outside: a listing of the `wrangler dev` persist directory
 * before and after. Plain files (KV blobs) are compared by size, mtime and SHA-256. A SQLite
 * database (every Durable Object, KV's metadata) is compared by content: its tables and rows,
 * read from a copy together with its WAL, because the runtime checkpoints and resets the WAL of
 * an object it closes, which changes the files' bytes and mtimes without any write. The dev
 * server's own trace store (`v3/observability`) grows with every request and is not the
 * gateway's storage, so it is left out.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const IGNORED = /^v3\/observability\//;
const SQLITE_SIDE_FILE = /\.sqlite-(wal|shm|journal)$/;

/** @typedef {Map<string, string>} Snapshot path -> what it holds (a digest, plus size and mtime for plain files) */

/**
 * @param {string} dir
 * @returns {Promise<Snapshot>}
 */
export async function snapshot(dir) {
  /** @type {Snapshot} */
  const files = new Map();
  /** @type {string[]} */
  const paths = [];
  /** @param {string} d */
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (IGNORED.test(relative(dir, path))) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !SQLITE_SIDE_FILE.test(entry.name)) paths.push(path);
    }
  };
  if (existsSync(dir)) walk(dir);
  for (const path of paths) {
    if (path.endsWith(".sqlite")) {
      files.set(relative(dir, path), `content ${await stableContentDigest(path)}`);
    } else {
      const { size, mtimeMs } = statSync(path);
      files.set(relative(dir, path), `${size} bytes, mtime ${mtimeMs}, sha256 ${createHash("sha256").update(readFileSync(path)).digest("hex")}`);
    }
  }
  return files;
}

/**
 * @param {Snapshot} before @param {Snapshot} after
 * @returns {{ added: string[], removed: string[], changed: string[] }}
 */
export function compare(before, after) {
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
  return { added, removed, changed };
}

/**
 * SHA-256 over every table's rows. Read until two reads agree, so a checkpoint that lands
 * between copying the database and copying its WAL is not mistaken for a change.
 * @param {string} path
 */
async function stableContentDigest(path) {
  let previous = await contentDigest(path);
  for (let i = 0; i < 3; i++) {
    const next = await contentDigest(path);
    if (next === previous) return next;
    previous = next;
  }
  return previous;
}

/** @param {string} path */
function contentDigest(path) {
  return readCopy(path, (db) => {
    const hash = createHash("sha256");
    const tables = /** @type {Array<{ name: string, sql: string | null }>} */ (
      db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
    );
    for (const { name, sql } of tables) {
      hash.update(`${name}\n${sql ?? ""}\n`);
      for (const row of db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all())
        hash.update(`${JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v))}\n`);
    }
    return hash.digest("hex");
  }).catch((err) => `unreadable: ${/** @type {Error} */ (err).message}`);
}

/**
 * The name an object was looked up by (miniflare keeps it in its own table), for reports; or null.
 * @param {string} path a `.sqlite`, `-wal` or `-shm` file of an object
 * @returns {Promise<string | null>}
 */
export async function objectName(path) {
  const base = path.replace(/-(wal|shm)$/, "");
  if (!base.endsWith(".sqlite") || !existsSync(base)) return null;
  return readCopy(base, (db) => {
    try {
      const row = /** @type {{ name?: string } | undefined} */ (db.prepare("SELECT name FROM __miniflare_do_name").get());
      return row?.name ?? null;
    } catch {
      return null;
    }
  });
}

/**
 * Opens a copy of a SQLite file with its WAL, so the live one is untouched.
 * @template T
 * @param {string} path @param {(db: import("node:sqlite").DatabaseSync) => T} read
 * @returns {Promise<T>}
 */
async function readCopy(path, read) {
  const { DatabaseSync } = await import("node:sqlite");
  const copyDir = mkdtempSync(join(tmpdir(), "fuzz-sqlite-"));
  try {
    const copy = join(copyDir, "db.sqlite");
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    const db = new DatabaseSync(copy);
    try {
      return read(db);
    } finally {
      db.close();
    }
  } finally {
    rmSync(copyDir, { recursive: true, force: true });
  }
}

/**
 * Tables and row counts of a SQLite file. Tables of the runtime itself (`_cf_*`, `__miniflare_*`) are left out.
 * @param {string} path
 * @returns {Promise<Record<string, number>>}
 */
export async function userTables(path) {
  return readCopy(path, (db) => {
    const names = /** @type {Array<{ name: string }>} */ (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all())
      .map((r) => r.name)
      .filter((n) => !n.startsWith("_cf_") && !n.startsWith("__miniflare") && !n.startsWith("sqlite_"));
    /** @type {Record<string, number>} */
    const counts = {};
    for (const name of names)
      counts[name] = Number(/** @type {{ n: number }} */ (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get()).n);
    return counts;
  });
}
