/**
 * Turns the runs of a benchmark into what it prints and saves: medians across repeats per operation and
 * target, ratios of ours to each peer, and a verdict against the targets (with durable writes,
 * at most half of dynalite's CPU per operation for every operation, and within 1.5x of the ceiling's
 * throughput for get).
 */
import { median, ratio } from "./stats.mjs";

const ours = "hakobune";
const peers = ["dynalite", "ceiling"];

/** Our CPU per operation over dynalite's must not exceed this, for every operation. */
const maxCpuRatioToDynalite = 0.5;
/** The ceiling's get throughput over ours must not exceed this. */
const maxGetSlowdownToCeiling = 1.5;

/** The printed columns: where each value comes from in a run, and how it is shown. */
export const columns = [
  { key: "sdk1.opsPerSecond", title: "c1 ops/s", decimals: 0 },
  { key: "sdk1.p50Ms", title: "c1 p50 ms", decimals: 2 },
  { key: "sdk1.p99Ms", title: "c1 p99 ms", decimals: 2 },
  { key: "sdk32.opsPerSecond", title: "c32 ops/s", decimals: 0 },
  { key: "sdk32.p50Ms", title: "c32 p50 ms", decimals: 2 },
  { key: "sdk32.p99Ms", title: "c32 p99 ms", decimals: 2 },
  { key: "sdk32.cpuMicrosPerOp", title: "CPU µs/op c32", decimals: 1 },
  { key: "wrk.cpuMicrosPerOp", title: "CPU µs/op wrk", decimals: 1 },
  { key: "wrk.opsPerSecond", title: "wrk ops/s", decimals: 0 },
];

function valueAt(run, key) {
  const [measurement, field] = key.split(".");
  const result = run.measurements[measurement];
  return result && result.error === undefined ? result[field] : undefined;
}

/** { [operation]: { [target]: { [column key]: median } } } over every run that produced the value. */
export function summarize(runs, operations, targets) {
  const summary = {};
  for (const operation of operations) {
    summary[operation] = {};
    for (const target of targets) {
      const matching = runs.filter((run) => run.operation === operation && run.target === target);
      const medians = {};
      for (const { key } of columns) medians[key] = median(matching.map((run) => valueAt(run, key)));
      summary[operation][target] = medians;
    }
  }
  return summary;
}

/** Ratios of ours to each peer per operation and column. */
export function ratios(summary) {
  const result = {};
  for (const [operation, byTarget] of Object.entries(summary)) {
    result[operation] = {};
    if (byTarget[ours] === undefined) continue;
    for (const peer of peers.filter((name) => byTarget[name] !== undefined)) {
      const values = {};
      for (const { key } of columns) values[key] = ratio(byTarget[ours]?.[key], byTarget[peer]?.[key]);
      result[operation][`${ours}/${peer}`] = values;
    }
  }
  return result;
}

/** Each issue target with the measured value and whether it is met (undefined when not measurable). */
export function verdicts(summary) {
  const checks = [];
  for (const [operation, byTarget] of Object.entries(summary)) {
    const value = ratio(byTarget[ours]?.["wrk.cpuMicrosPerOp"], byTarget.dynalite?.["wrk.cpuMicrosPerOp"]);
    checks.push({
      operation,
      claim: `CPU µs/op under wrk, ${ours}/dynalite <= ${maxCpuRatioToDynalite}`,
      value,
      met: value === undefined ? undefined : value <= maxCpuRatioToDynalite,
    });
  }
  if (summary.get !== undefined) {
    const value = ratio(summary.get.ceiling?.["wrk.opsPerSecond"], summary.get[ours]?.["wrk.opsPerSecond"]);
    checks.push({
      operation: "get",
      claim: `wrk ops/s, ceiling/${ours} <= ${maxGetSlowdownToCeiling}`,
      value,
      met: value === undefined ? undefined : value <= maxGetSlowdownToCeiling,
    });
  }
  return checks;
}

function formatNumber(value, decimals) {
  return value === undefined ? "-" : value.toFixed(decimals);
}

function formatTable(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
        .join("  "),
    )
    .join("\n");
}

/** The text report: one table per operation, then the verdicts. */
export function formatReport({ summary, ratioSummary, checks, repeats, errors }) {
  const sections = [];
  for (const [operation, byTarget] of Object.entries(summary)) {
    const rows = [["target", ...columns.map((column) => column.title)]];
    for (const [target, values] of Object.entries(byTarget)) {
      rows.push([target, ...columns.map(({ key, decimals }) => formatNumber(values[key], decimals))]);
    }
    for (const [name, values] of Object.entries(ratioSummary[operation] ?? {})) {
      rows.push([name, ...columns.map(({ key }) => formatNumber(values[key], 2))]);
    }
    sections.push(`${operation} (median of ${repeats} run${repeats === 1 ? "" : "s"})\n${formatTable(rows)}`);
  }
  sections.push(
    [
      "targets from the issue:",
      ...checks.map(({ operation, claim, value, met }) => {
        const outcome = met === undefined ? "not measured" : met ? "met" : "NOT met";
        return `  ${operation.padEnd(5)} ${claim}: ${formatNumber(value, 2)} -> ${outcome}`;
      }),
    ].join("\n"),
  );
  if (errors.length > 0) {
    sections.push(["failures (missing cells above):", ...errors.map((error) => `  ${error}`)].join("\n"));
  }
  return `${sections.join("\n\n")}\n`;
}
