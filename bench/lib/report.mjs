/**
 * @module bench/lib/report
 * Tables, ratios against the targets, and the markdown copy in bench/results/latest.md.
 */

/**
 * @typedef {import("./load.mjs").PhaseResult} PhaseResult
 * @typedef {Record<string, PhaseResult | undefined>} RegimeResults keyed by worker name
 */

/** Issue targets. `min`: ratio must be at least; `max`: at most. */
const TARGETS = {
  warm: { vsDo: { min: 0.7 }, vsBare: { min: 0.5 }, p99VsBare: { max: 3 } },
  cold: { vsDo: { min: 0.7 }, vsBare: undefined, p99VsBare: undefined },
};

const f1 = (/** @type {number} */ x) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");
const f2 = (/** @type {number} */ x) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

/**
 * @param {string[]} headers @param {string[][]} rows
 * @returns {{ text: string, md: string }}
 */
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (/** @type {string[]} */ cells) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  const mdLine = (/** @type {string[]} */ cells) => `| ${cells.join(" | ")} |`;
  return {
    text: [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n"),
    md: [mdLine(headers), mdLine(headers.map(() => "---")), ...rows.map(mdLine)].join("\n"),
  };
}

/** @param {Map<string, number>} labels */
const labelSummary = (labels) =>
  [...labels.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");

/**
 * @param {Array<{ name: string, label: string }>} workers
 * @param {RegimeResults} results
 * @param {string} [firstColumn]
 */
export function regimeTable(workers, results, firstColumn = "worker") {
  const rows = workers.map(({ name, label }) => {
    const r = results[name];
    if (!r) return [label, "-", "-", "not run", "-", "-", "-", "-", "-"];
    const cpu = r.cpuMsPerRequest === null ? "-" : f2(r.cpuMsPerRequest);
    return [label, String(r.requests), String(r.errors), f1(r.rps), f2(r.p50), f2(r.p99), cpu, String(r.connections), labelSummary(r.labels)];
  });
  return table([firstColumn, "requests", "errors", "req/s", "p50 ms", "p99 ms", "workerd CPU ms/req", "conns", "answers"], rows);
}

/**
 * A gateway that answers wrongly misses regardless of speed. Errors in a baseline (local workerd
 * drops connections under overload, see README) do not decide the verdict but are flagged,
 * because they make the baseline's own figures less reliable.
 * @param {number} value
 * @param {{ min?: number, max?: number } | undefined} target
 * @param {PhaseResult | undefined} gateway
 * @param {PhaseResult | undefined} baseline
 */
function verdict(value, target, gateway, baseline) {
  if (!target) return { target: "-", verdict: "-" };
  const text = target.min !== undefined ? `>= ${target.min.toFixed(2)}` : `<= ${(target.max ?? 0).toFixed(2)}`;
  if (!Number.isFinite(value)) return { target: text, verdict: "MISS (not measured)" };
  if ((gateway?.errors ?? 0) > 0) return { target: text, verdict: "MISS (gateway errors)" };
  const pass = target.min !== undefined ? value >= target.min : value <= (target.max ?? Infinity);
  const flag = (baseline?.errors ?? 0) > 0 ? " (baseline had errors)" : "";
  return { target: text, verdict: `${pass ? "PASS" : "MISS"}${flag}` };
}

/**
 * @param {{ warm: RegimeResults, cold: RegimeResults }} all
 * @returns {{ text: string, md: string, misses: number }}
 */
export function ratioTable(all) {
  /** @type {string[][]} */
  const rows = [];
  let misses = 0;
  for (const regime of /** @type {const} */ (["warm", "cold"])) {
    const { bare, "minimal-do": minDo, gateway } = all[regime];
    const t = TARGETS[regime];
    const entries = [
      { name: "gateway / minimal-DO throughput", value: (gateway?.rps ?? NaN) / (minDo?.rps ?? NaN), target: t.vsDo, base: minDo },
      { name: "gateway / bare throughput", value: (gateway?.rps ?? NaN) / (bare?.rps ?? NaN), target: t.vsBare, base: bare },
      { name: "gateway p99 / bare p99", value: (gateway?.p99 ?? NaN) / (bare?.p99 ?? NaN), target: t.p99VsBare, base: bare },
    ];
    for (const e of entries) {
      const v = verdict(e.value, e.target, gateway, e.base);
      if (v.verdict.startsWith("MISS")) misses += 1;
      rows.push([regime, e.name, f2(e.value), v.target, v.verdict]);
    }
  }
  return { ...table(["regime", "ratio", "value", "target", "verdict"], rows), misses };
}

/** @param {Record<string, string>} info */
export function machineTable(info) {
  return table(["item", "value"], Object.entries(info));
}
