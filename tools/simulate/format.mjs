/**
 * @module tools/simulate/format
 * Human and `--json` renderings of a {@link import("./run.mjs").RunResult}. Both hide what must not
 * end up in a terminal log: the ActivePlatform path secret, most of each signature, and passwords.
 */
import { RESULT_MEANINGS } from "./run.mjs";

const SIGNATURE_PARAMS = ["signature", "authToken"];

/**
 * @param {import("./run.mjs").RunResult} result
 * @param {{ pathSecret?: string, keySource?: string }} [ctx]
 * @returns {string}
 */
export function formatResult(result, ctx = {}) {
  const out = [];
  const title = result.scenario ? `scenario ${result.scenario} (${result.target})` : `${result.target} ${result.action}`;
  out.push(`${title}${ctx.keySource ? ` · keys from ${ctx.keySource}` : ""}`, "");
  const total = result.steps.length + result.notRun.length;
  result.steps.forEach((step, i) => out.push(...formatStep(step, i + 1, total, ctx), ""));
  for (const name of result.notRun) out.push(`── not run: ${name} (an earlier step failed)`);
  const passed = result.steps.filter((s) => s.ok).length;
  out.push(result.ok ? `OK: ${passed}/${total} step${total === 1 ? "" : "s"} succeeded` : `FAILED: ${passed}/${total} step${total === 1 ? "" : "s"} succeeded`);
  return `${out.join("\n")}\n`;
}

/**
 * @param {import("./run.mjs").Step} step @param {number} n @param {number} total
 * @param {{ pathSecret?: string }} ctx
 * @returns {string[]}
 */
function formatStep(step, n, total, ctx) {
  const req = step.request;
  const lines = [`── ${n}/${total} ${step.name}${step.name === step.action ? "" : ` (${step.action})`} ──`];
  lines.push(`→ ${req.method} ${maskUrl(req.url, ctx.pathSecret)}`);
  if (req.headers["Content-Type"]) lines.push(`  Content-Type: ${req.headers["Content-Type"]}`);
  // Request bodies are shown as sent (KooGallery's are what was signed); ActivePlatform's short
  // answers read better indented.
  if (req.body !== null) lines.push(indent(maskPasswords(req.body)));
  /** @param {string} text */
  const show = (text) => indent(step.target === "activeplatform" ? pretty(text) : text);
  if (step.status === null) {
    lines.push("← no answer (is the gateway running? `npm start` serves http://127.0.0.1:8787)");
  } else {
    lines.push(`← HTTP ${step.status} (${step.ms} ms)`);
    if (step.text) lines.push(show(maskPasswords(step.text)));
  }
  if (step.resultCode !== null) {
    const meaning = RESULT_MEANINGS[/** @type {keyof typeof RESULT_MEANINGS} */ (step.resultCode)] ?? "unknown code";
    lines.push(`  resultCode: ${step.resultCode} (${meaning})`);
  }
  if (step.bodySignVerified !== null && step.status !== null) {
    lines.push(`  Body-Sign: ${step.bodySignVerified ? "verified ✓" : step.bodySign === null ? "missing ✗" : "NOT VERIFIED ✗"}`);
  }
  for (const c of step.credentials) lines.push(`  ${c.field}: ${c.decrypts ? "decrypts with the access key ✓" : "does NOT decrypt ✗"}`);
  lines.push(step.ok ? `  ✓ ok (expected ${step.expected})` : `  ✗ FAILED: ${step.problems.join("; ")}`);
  return lines;
}

/**
 * The result as JSON for scripts, with the same masking as the human output.
 * @param {import("./run.mjs").RunResult} result @param {{ pathSecret?: string }} [ctx]
 * @returns {string}
 */
export function formatJson(result, ctx = {}) {
  const steps = result.steps.map((s) => ({
    ...s,
    request: {
      ...s.request,
      url: maskUrl(s.request.url, ctx.pathSecret),
      body: s.request.body === null ? null : maskPasswords(s.request.body),
    },
    text: s.text === null ? null : maskPasswords(s.text),
    body: s.text === null ? null : safeParse(maskPasswords(s.text)),
  }));
  return `${JSON.stringify({ ...result, steps }, null, 2)}\n`;
}

/**
 * Keeps the first characters of signatures and of the path secret, enough to tell calls apart.
 * @param {string} url @param {string} [pathSecret]
 * @returns {string}
 */
function maskUrl(url, pathSecret) {
  let out = url;
  if (pathSecret) out = out.split(`/${encodeURIComponent(pathSecret)}/`).join(`/${partial(pathSecret, 4)}/`);
  for (const name of SIGNATURE_PARAMS) {
    out = out.replace(new RegExp(`([?&]${name}=)([^&]*)`), (_m, head, value) => `${head}${partial(decodeURIComponent(value), 8)}`);
  }
  return out;
}

/** `"password":"…"` members (any nesting) become `"password":"***"`. @param {string} text */
function maskPasswords(text) {
  return text.replace(/("password"\s*:\s*)"(?:[^"\\]|\\.)*"/g, '$1"***"');
}

/** @param {string} text */
const indent = (text) =>
  text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

/** @param {string} text */
function pretty(text) {
  const parsed = safeParse(text);
  return parsed === null ? text : JSON.stringify(parsed, null, 2);
}

/** @param {string} s @param {number} keep */
const partial = (s, keep) => (s.length <= keep ? "…" : `${s.slice(0, keep)}…`);

/** @param {string} text */
function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
