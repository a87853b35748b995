/**
 * @module bench/lib/cpu
 * CPU time used by the workerd processes this benchmark started (descendants of this Node
 * process), read from /proc. Sampled around each timed chunk, so signing and the load
 * generator's own work are not counted: what remains is the runtime's cost of serving requests
 * (Worker, Durable Objects, HTTP), the closest local stand-in for "CPU per event".
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** @returns {Array<{ pid: number, ppid: number, comm: string, ticks: number }>} */
function processes() {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // fields[0] is state; ppid is field 4 of stat, utime/stime fields 14/15 (1-based).
      out.push({ pid: Number(name), ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while we were reading.
    }
  }
  return out;
}

/** Milliseconds of CPU used so far by workerd processes below this one; null where /proc is absent. */
export function workerdCpuMs() {
  try {
    const all = processes();
    const children = new Map();
    for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    let ticks = 0;
    const stack = [process.pid];
    while (stack.length) {
      for (const child of children.get(/** @type {number} */ (stack.pop())) ?? []) {
        if (child.comm.includes("workerd")) ticks += child.ticks;
        stack.push(child.pid);
      }
    }
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
