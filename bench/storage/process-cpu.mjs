/**
 * CPU time used by a process and all its descendants, read from `/proc/<pid>/stat` (whose utime and
 * stime cover every thread of the process, and cutime/cstime its reaped children). Used to measure a
 * server's own cost per operation: sample before and after a run and subtract. It also names the
 * processes of a tree, so that a server's children left behind after it exits can be found by pid.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second, the unit of /proc/<pid>/stat's times. */
const clockTicksPerSecond = readClockTicksPerSecond();

function readClockTicksPerSecond() {
  try {
    const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    if (Number.isInteger(ticks) && ticks > 0) return ticks;
  } catch {
    // getconf missing: Linux has used 100 on every common architecture for decades.
  }
  return 100;
}

/** { pid, parentPid, cpuTicks, startTicks } of one process, or undefined when it has gone. */
function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; the fields after its last ")" are fixed.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return {
    pid,
    parentPid: Number(fields[1]),
    cpuTicks: utime + stime + cutime + cstime,
    // Start time since boot: with the pid, it tells a process from a later one that reuses its pid.
    startTicks: Number(fields[19]),
  };
}

/** The stats of every process of the tree rooted at `rootPid`, the root first. */
function readTree(rootPid) {
  const stats = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined) stats.push(stat);
  }
  const childrenOf = new Map();
  for (const stat of stats) {
    const siblings = childrenOf.get(stat.parentPid) ?? [];
    siblings.push(stat);
    childrenOf.set(stat.parentPid, siblings);
  }
  const root = stats.find((stat) => stat.pid === rootPid);
  if (root === undefined) throw new Error(`process ${rootPid} is not running`);
  const tree = [];
  const pending = [root];
  while (pending.length > 0) {
    const stat = pending.pop();
    tree.push(stat);
    pending.push(...(childrenOf.get(stat.pid) ?? []));
  }
  return tree;
}

/** Ticks used so far by each process of the tree rooted at `rootPid`, keyed by pid. */
function sampleTree(rootPid) {
  return new Map(readTree(rootPid).map((stat) => [stat.pid, stat.cpuTicks]));
}

/** Every process below `rootPid` as { pid, startTicks }, for `isStillRunning` once the root has gone. */
export function descendantProcesses(rootPid) {
  return readTree(rootPid)
    .slice(1)
    .map(({ pid, startTicks }) => ({ pid, startTicks }));
}

/** Whether `process` from `descendantProcesses` still runs: its pid exists with the same start time. */
export function isStillRunning({ pid, startTicks }) {
  const stat = readStat(pid);
  return stat !== undefined && stat.startTicks === startTicks;
}

/** A snapshot of the CPU time of the tree rooted at `rootPid`, to pass later to `cpuSecondsSince`. */
export function sampleCpu(rootPid) {
  return { rootPid, ticksByPid: sampleTree(rootPid) };
}

/** CPU seconds the tree used since `before`; processes born since then count in full. */
export function cpuSecondsSince(before) {
  const after = sampleTree(before.rootPid);
  let ticks = 0;
  for (const [pid, afterTicks] of after) ticks += afterTicks - (before.ticksByPid.get(pid) ?? 0);
  return ticks / clockTicksPerSecond;
}
