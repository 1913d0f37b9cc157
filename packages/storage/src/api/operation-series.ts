/**
 * The storage service's per-request series — `storage_operations_total`, `storage_operation_duration_seconds`
 * and `storage_items_read_total` — kept as plain numbers in nested maps and turned into samples only when
 * the registry is scraped. prom-client's Counter and Histogram build a labels object and hash it into a
 * string on every `inc` and `observe`, which the storage request path pays on every call; here a request
 * costs a few Map lookups and additions. The exposition is the one prom-client's Counter and Histogram
 * give for the same observations (the tests compare the two).
 */
import {
  emptyHistogramSeries,
  type PlainSeriesLabels,
  type RecordedHistogramSeries,
  recordSeconds,
  registerPlainCounter,
  registerPlainHistogram,
} from "@hakobune/service-kit/metrics";
import type { Registry } from "prom-client";

/** Series kept per metric by default; see `OperationSeriesOptions.maxSeriesPerMetric`. */
export const defaultMaxSeriesPerMetric = 10_000;

export interface OperationSeriesOptions {
  /**
   * Most series kept per metric. Label values are already bounded (operation names, DynamoDB error
   * types, existing tables), but tables come and go over a process's life: once a metric holds this
   * many series, a further one is recorded with the table label "-", so totals stay right while memory
   * stays bounded. Default: 10000.
   */
  maxSeriesPerMetric?: number;
}

/** The table label of requests naming no existing table, and of series past `maxSeriesPerMetric`. */
export const unknownTableLabel = "-";

/** Upper bounds of `storage_operation_duration_seconds`'s buckets, in seconds. */
export const operationDurationBucketsSeconds: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

interface CountSeries {
  readonly labels: PlainSeriesLabels;
  count: number;
}

/**
 * Series of one metric, by up to three label values, in the order of their first observation. The
 * second label is the table wherever a table is named, and is the one an overflow replaces.
 */
class SeriesTable<S extends { readonly labels: PlainSeriesLabels }> {
  readonly #byFirst = new Map<string, Map<string, Map<string, S>>>();
  readonly #create: (labels: PlainSeriesLabels) => S;
  readonly #labelNames: readonly string[];
  readonly #maxSeries: number;
  series: S[] = [];

  constructor(labelNames: readonly string[], maxSeries: number, create: (labels: PlainSeriesLabels) => S) {
    this.#labelNames = labelNames;
    this.#maxSeries = maxSeries;
    this.#create = create;
  }

  /**
   * The series of (first, second, third); a label name list shorter than three ignores the rest. Once
   * the table is full, a new combination is recorded with `unknownTableLabel` as its second value.
   */
  get(first: string, second = "", third = ""): S {
    const found = this.#byFirst.get(first)?.get(second)?.get(third);
    if (found !== undefined) return found;
    if (this.series.length < this.#maxSeries) return this.#add(first, second, third);
    return (
      this.#byFirst.get(first)?.get(unknownTableLabel)?.get(third) ??
      this.#add(first, unknownTableLabel, third)
    );
  }

  reset(): void {
    this.#byFirst.clear();
    this.series = [];
  }

  #add(first: string, second: string, third: string): S {
    let bySecond = this.#byFirst.get(first);
    if (bySecond === undefined) {
      bySecond = new Map();
      this.#byFirst.set(first, bySecond);
    }
    let byThird = bySecond.get(second);
    if (byThird === undefined) {
      byThird = new Map();
      bySecond.set(second, byThird);
    }
    const values = [first, second, third];
    const labels: Record<string, string> = {};
    this.#labelNames.forEach((name, index) => {
      labels[name] = values[index] as string;
    });
    const series = this.#create(labels);
    byThird.set(third, series);
    this.series.push(series);
    return series;
  }
}

/** The per-request series of one storage process. */
export class OperationSeries {
  readonly #operations: SeriesTable<CountSeries>;
  readonly #durations: SeriesTable<RecordedHistogramSeries>;
  readonly #itemsRead: SeriesTable<CountSeries>;

  constructor(options: OperationSeriesOptions = {}) {
    const { maxSeriesPerMetric = defaultMaxSeriesPerMetric } = options;
    if (!Number.isSafeInteger(maxSeriesPerMetric) || maxSeriesPerMetric < 1) {
      throw new RangeError(`maxSeriesPerMetric must be a positive integer, got ${maxSeriesPerMetric}`);
    }
    const counter = (labels: PlainSeriesLabels): CountSeries => ({ labels, count: 0 });
    this.#operations = new SeriesTable(["operation", "table", "outcome"], maxSeriesPerMetric, counter);
    // One series per operation name: the API's names and "unknown", never past the bound.
    this.#durations = new SeriesTable(["operation"], Number.POSITIVE_INFINITY, (labels) =>
      emptyHistogramSeries(labels, operationDurationBucketsSeconds),
    );
    this.#itemsRead = new SeriesTable(["operation", "table"], maxSeriesPerMetric, counter);
  }

  /** Counts one answered request; `table` is already a label value (an existing table or "-"). */
  observe(operation: string, table: string, outcome: string, durationSeconds: number): void {
    this.#operations.get(operation, table, outcome).count += 1;
    recordSeconds(this.#durations.get(operation), operationDurationBucketsSeconds, durationSeconds);
  }

  /** Adds `count` items read by `operation` from `table` (a label value). */
  countItemsRead(operation: string, table: string, count: number): void {
    this.#itemsRead.get(operation, table).count += count;
  }

  /** Registers the three metrics in `registry`, in the order their exposition has always had. */
  registerIn(registry: Registry): void {
    registerPlainCounter(registry, {
      name: "storage_operations_total",
      help: "DynamoDB API operations handled, by operation, table and outcome (ok or the error type).",
      source: this.#operations,
    });
    registerPlainHistogram(registry, {
      name: "storage_operation_duration_seconds",
      help: "Time from receiving a DynamoDB API request to sending its response.",
      bucketsSeconds: operationDurationBucketsSeconds,
      source: this.#durations,
    });
    registerPlainCounter(registry, {
      name: "storage_items_read_total",
      help: "Items read from the store by Query, Scan and the Get operations, before filters.",
      source: this.#itemsRead,
    });
  }
}
