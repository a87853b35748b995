/**
 * @module tools/chaos/report
 * The one summary table of a chaos run (Markdown, so it pastes into a report as it is), followed
 * by the problems found, if any.
 */
import { availableParallelism, cpus, platform, release, totalmem } from "node:os";

const PARTNERS = /** @type {const} */ (["vendor", "koodrive", "mor"]);

/** @param {import("./run.mjs").ChaosResult} r @returns {string} */
export function formatSummary(r) {
  const v = r.verdict;
  const per = (/** @type {(p: typeof PARTNERS[number]) => number} */ f) => {
    const values = PARTNERS.map(f);
    return `${sum(values)} (vendor ${values[0]} · koodrive ${values[1]} · mor ${values[2]})`;
  };
  const platforms = ["koogallery-v1", "koogallery-v2", "activeplatform"]
    .map((p) => `${p.replace("koogallery-", "").replace("activeplatform", "ap")} ${v.gateway.byPlatform[p] ?? 0}`)
    .join(" · ");
  const rows = [
    ["instances", `${v.gateway.instances} (${platforms})`],
    ["calls sent", `${v.calls.sent}`],
    [
      "duplicates",
      `${v.calls.copies + v.calls.late} (${v.calls.copies} extra copies · ${v.calls.late} late, ${v.calls.lateStale} of them stale${v.calls.lateDropped ? ` · ${v.calls.lateDropped} dropped: V2 timestamp too old` : ""})`,
    ],
    ["marketplace retries", `${v.calls.retries}`],
    ["faults injected", `${per((p) => v.partners[p].refused + v.partners[p].slow)}; slow answers ${per((p) => v.partners[p].slow)}`],
    ["restarts (SIGKILL)", `${r.restarts.count} (down ${r.restarts.downtimesMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")})`],
    [
      "deliveries",
      `${v.deliveries.total} (vendor ${v.deliveries.byConnector.vendor ?? 0} · koodrive ${v.deliveries.byConnector.koodrive ?? 0} · mor ${v.deliveries.byConnector.mor ?? 0}); partner requests ${per((p) => v.partners[p].requests)}`,
    ],
    ["effects expected / accepted", `${sum(PARTNERS.map((p) => v.partners[p].expected))} / ${sum(PARTNERS.map((p) => v.partners[p].effects))}`],
    ["re-sends of an accepted id", per((p) => v.partners[p].resends)],
    ["doubled effects", `${v.totals.doubled} (gateway events ${v.gateway.eventsDoubled} · ${per((p) => v.partners[p].doubled)})`],
    ["lost", `${v.totals.lost} (gateway events ${v.gateway.eventsLost} · ${per((p) => v.partners[p].lost)})`],
    ["misordered", `${v.totals.misordered} (gateway events ${v.gateway.eventsMisordered} · ${per((p) => v.partners[p].misordered)})`],
    ["wrong final state", `${v.gateway.stateMismatch}`],
    ["left pending", `${v.deliveries.pending}${r.drained ? "" : " (drain timed out)"}`],
    ["skipped / dead-lettered", `${v.deliveries.skipped} / ${v.deliveries.dead} (dead-letter list: ${v.deadLetters})`],
    [
      "drift (MOR edited behind the gateway)",
      `${v.drift.edits} edits; ${v.drift.atDrain} still drifted after the drain · found ${v.drift.found} · repairs sent ${v.drift.repairs} · repaired ${v.drift.repaired} · left ${v.drift.left}`,
    ],
    [
      "reconciliation sweeps",
      `${v.drift.sweeps.run} calls during the run (${v.drift.sweeps.unanswered} unanswered) · ${v.drift.sweeps.final} after the drain; false drifts ${v.drift.falseDrifts} · missed ${v.drift.missed} · repairs not allowed ${v.drift.badRepairs}`,
    ],
    ["5xx outside downtime", `${v.calls.serverErrors} (${v.calls.serverErrorsInDowntime} while the gateway was down)`],
    [
      "duration",
      `${fmt(r.durations.totalMs)} (workload ${fmt(r.durations.workloadMs)} · drain ${fmt(r.durations.drainMs)} · final sweeps ${fmt(r.durations.reconcileMs)})`,
    ],
    ["verdict", r.ok ? "PASS" : "FAIL"],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    `chaos run: seed ${r.seed}, ${r.preset}, RETRY_DELAY_SCALE=${r.scale}; ${machine()}`,
    "",
    `| ${"metric".padEnd(width)} | value |`,
    `|${"-".repeat(width + 2)}|-------|`,
    ...rows.map(([k, val]) => `| ${k.padEnd(width)} | ${val} |`),
  ];
  if (v.problems.length > 0) lines.push("", "problems:", ...v.problems.map((/** @type {string} */ p) => `  - ${p}`));
  if (r.workDir) lines.push("", `state and logs kept in ${r.workDir}`);
  return `${lines.join("\n")}\n`;
}

function machine() {
  const model = cpus()[0]?.model?.trim() ?? "unknown CPU";
  return `${availableParallelism()} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.versions.node}`;
}

/** @param {number[]} xs */
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** @param {number} ms */
function fmt(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}
