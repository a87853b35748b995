/**
 * @module tools/simulate/dev-vars
 * Reads the keys the simulator needs from the same `.dev.vars` file `wrangler dev` uses, so a
 * developer types no secret on the command line. CLI only: this module touches the file system.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * `KEY=VALUE` lines (dotenv subset): `#` comments, optional `export `, values optionally in single
 * or double quotes (double quotes understand `\n`, `\"`, `\\`), trailing ` # comment` after an
 * unquoted value. Later lines win, as in wrangler.
 * @param {string} text
 * @returns {Record<string, string>}
 */
function parseDevVars(text) {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, name, rest] = /** @type {[string, string, string]} */ (/** @type {unknown} */ (m));
    vars[name] = unquote(rest);
  }
  return vars;
}

/** @param {string} rest @returns {string} */
function unquote(rest) {
  const dq = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
  if (dq) return (dq[1] ?? "").replace(/\\(.)/g, (_m, c) => (c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c));
  const sq = /^'([^']*)'/.exec(rest);
  if (sq) return sq[1] ?? "";
  return rest.replace(/\s+#.*$/, "").trim();
}

/**
 * Loads `path` if given (it must exist), else `.dev.vars`, else `.dev.vars.example`, from `cwd`.
 * @param {{ path?: string, cwd?: string }} [opts]
 * @returns {{ vars: Record<string, string>, source: string | null }}
 */
export function loadDevVars({ path, cwd = process.cwd() } = {}) {
  if (path !== undefined) {
    const file = resolve(cwd, path);
    if (!existsSync(file)) throw new Error(`--dev-vars file not found: ${path}`);
    return { vars: parseDevVars(readFileSync(file, "utf8")), source: path };
  }
  for (const name of [".dev.vars", ".dev.vars.example"]) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return { vars: parseDevVars(readFileSync(file, "utf8")), source: name };
  }
  return { vars: {}, source: null };
}
