/** The few statistics the benchmark quotes: percentiles of a run, medians across repeats, ratios. */

/** The nearest-rank `p`th percentile of ascending `sorted`, or undefined when it is empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median of the defined numbers in `values`, or undefined when there are none. */
export function median(values) {
  const sorted = values
    .filter((value) => typeof value === "number" && Number.isFinite(value))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `ours / theirs`, or undefined when either is missing or `theirs` is zero. */
export function ratio(ours, theirs) {
  if (ours === undefined || theirs === undefined || theirs === 0) return undefined;
  return ours / theirs;
}
