/**
 * Turns the runs of a benchmark into what it prints and saves: medians across repeats per operation and
 * target, ratios between targets, and a verdict against the storage issues' targets: one node with
 * durable writes at most half of dynalite's CPU per operation for every operation and within 1.5x of
 * the ceiling's throughput for get; three zones at most dynalite's CPU per put and 0.6x per get.
 */
import { median, ratio } from "./stats.mjs";

/** The ratio rows under each table, [numerator, denominator] by target name, printed when both ran. */
const comparisons = [
  ["hakobune", "dynalite"],
  ["hakobune", "ceiling"],
  ["hakobune-3az", "dynalite"],
  ["hakobune-3az", "hakobune"],
];

/** How a compared column is named in a verdict. */
const claimLabels = { "wrk.cpuMicrosPerOp": "CPU µs/op under wrk", "wrk.opsPerSecond": "wrk ops/s" };

/**
 * The issues' targets: on `operation`, `numerator`'s value of `column` over `denominator`'s must not
 * exceed `max` (issue 3: the store on one node; issue 7: across three zones). CPU is the whole
 * store's (every process of the target) under wrk.
 */
const issueTargets = [
  ...["put", "get", "query"].map((operation) => ({
    operation,
    column: "wrk.cpuMicrosPerOp",
    numerator: "hakobune",
    denominator: "dynalite",
    max: 0.5,
    issue: 3,
  })),
  {
    operation: "get",
    column: "wrk.opsPerSecond",
    numerator: "ceiling",
    denominator: "hakobune",
    max: 1.5,
    issue: 3,
  },
  {
    operation: "put",
    column: "wrk.cpuMicrosPerOp",
    numerator: "hakobune-3az",
    denominator: "dynalite",
    max: 1,
    issue: 7,
  },
  {
    operation: "get",
    column: "wrk.cpuMicrosPerOp",
    numerator: "hakobune-3az",
    denominator: "dynalite",
    max: 0.6,
    issue: 7,
  },
];

/** What the report says about a target whose numbers need a reading aid, when it ran. */
const targetNotes = {
  "hakobune-3az":
    "hakobune-3az: its router and three storage nodes share the one server core here, where a real " +
    "deployment gives each zone a machine of its own; its latency and ops/s are therefore worse here " +
    "than deployed, and its CPU µs/op (summed over all four processes) is the number to compare.",
};

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

/** Ratios between targets per operation and column, for every comparison whose two targets ran. */
export function ratios(summary) {
  const result = {};
  for (const [operation, byTarget] of Object.entries(summary)) {
    result[operation] = {};
    for (const [numerator, denominator] of comparisons) {
      if (byTarget[numerator] === undefined || byTarget[denominator] === undefined) continue;
      const values = {};
      for (const { key } of columns)
        values[key] = ratio(byTarget[numerator][key], byTarget[denominator][key]);
      result[operation][`${numerator}/${denominator}`] = values;
    }
  }
  return result;
}

/**
 * Each issue target of a measured operation with the measured value and whether it is met (undefined
 * when not measurable, e.g. a target that did not run).
 */
export function verdicts(summary) {
  return issueTargets
    .filter(({ operation }) => summary[operation] !== undefined)
    .map(({ operation, column, numerator, denominator, max, issue }) => {
      const byTarget = summary[operation];
      const value = ratio(byTarget[numerator]?.[column], byTarget[denominator]?.[column]);
      return {
        operation,
        claim: `${claimLabels[column]}, ${numerator}/${denominator} <= ${max} (issue ${issue})`,
        value,
        met: value === undefined ? undefined : value <= max,
      };
    });
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
  const targetsRun = new Set(Object.values(summary).flatMap((byTarget) => Object.keys(byTarget)));
  const notes = Object.entries(targetNotes).filter(([target]) => targetsRun.has(target));
  if (notes.length > 0) sections.push(["notes:", ...notes.map(([, note]) => `  ${note}`)].join("\n"));
  sections.push(
    [
      "targets from the issues:",
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
