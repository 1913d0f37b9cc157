/**
 * Counters and histograms whose series their owner keeps as plain numbers, registered in a prom-client
 * Registry and turned into samples only when it is scraped. prom-client's own Counter and Histogram build a
 * labels object and hash it into a string on every `inc` and `observe`, which costs close to a microsecond
 * on a hot path; an owner that finds its series by a few Map lookups pays a few additions instead. The
 * exposition is the one prom-client's Counter and Histogram give for the same observations.
 */
import type { Metric, Registry } from "prom-client";

// A type rather than an interface, so that label types declared as types fit it (and prom-client's own).
export type PlainSeriesLabels = Readonly<Record<string, string>>;

/** One counter series as the exposition reads it. */
export interface PlainCounterSeries {
  readonly labels: PlainSeriesLabels;
  readonly count: number;
}

/** One histogram series as the exposition reads it; its `count` also serves a counter of the same series. */
export interface PlainHistogramSeries extends PlainCounterSeries {
  readonly sumSeconds: number;
  /** Observations per bucket, not cumulative; the last entry counts those above the largest bound. */
  readonly bucketCounts: readonly number[];
}

/** A histogram series as its owner records into it. */
export interface RecordedHistogramSeries extends PlainHistogramSeries {
  count: number;
  sumSeconds: number;
  readonly bucketCounts: number[];
}

/** What a metric reads when scraped: the series in the order of the exposition, and how to forget them. */
export interface PlainSeriesSource<S> {
  readonly series: readonly S[];
  /** What `registry.resetMetrics()` calls. */
  reset(): void;
}

export interface PlainCounterOptions {
  name: string;
  help: string;
  source: PlainSeriesSource<PlainCounterSeries>;
}

export interface PlainHistogramOptions {
  name: string;
  help: string;
  /** Upper bounds of the buckets, in seconds, ascending; the ones the series were recorded with. */
  bucketsSeconds: readonly number[];
  source: PlainSeriesSource<PlainHistogramSeries>;
}

/** A histogram series with no observations, for `bucketsSeconds`. */
export function emptyHistogramSeries<L extends PlainSeriesLabels>(
  labels: L,
  bucketsSeconds: readonly number[],
): RecordedHistogramSeries & { readonly labels: L } {
  return {
    labels,
    count: 0,
    sumSeconds: 0,
    bucketCounts: new Array<number>(bucketsSeconds.length + 1).fill(0),
  };
}

/** Adds one observation of `seconds` to `series`, recorded with `bucketsSeconds`. */
export function recordSeconds(
  series: RecordedHistogramSeries,
  bucketsSeconds: readonly number[],
  seconds: number,
): void {
  series.count += 1;
  series.sumSeconds += seconds;
  let bucket = 0;
  while (bucket < bucketsSeconds.length && seconds > (bucketsSeconds[bucket] as number)) bucket++;
  (series.bucketCounts[bucket] as number) += 1;
}

/** Registers a counter reading `options.source`'s series' `count` in `registry`. */
export function registerPlainCounter(registry: Registry, options: PlainCounterOptions): void {
  // The registry needs only the shape these classes implement; prom-client's types name its own classes.
  registry.registerMetric(new PlainCounter(options) as unknown as Metric);
}

/** Registers a histogram reading `options.source`'s series in `registry`. */
export function registerPlainHistogram(registry: Registry, options: PlainHistogramOptions): void {
  registry.registerMetric(new PlainHistogram(options) as unknown as Metric);
}

/** One sample as prom-client's Registry formats it: `labels` first, then `sharedLabels`. */
interface Sample {
  value: number;
  labels: Readonly<Record<string, string | number>>;
  sharedLabels?: PlainSeriesLabels;
  metricName?: string;
  exemplar?: null;
}

interface MetricSnapshot {
  name: string;
  help: string;
  type: "counter" | "histogram";
  values: Sample[];
  aggregator: "sum";
}

/**
 * A counter read from its source. Like all the registry holds it has a writable `name` (the OpenMetrics
 * format renames counters) and `reset()`; it has no `inc`: only the source's owner records.
 */
class PlainCounter {
  readonly type = "counter";
  readonly aggregator = "sum";
  name: string;
  readonly help: string;
  readonly #source: PlainSeriesSource<PlainCounterSeries>;

  constructor(options: PlainCounterOptions) {
    this.name = options.name;
    this.help = options.help;
    this.#source = options.source;
  }

  async get(): Promise<MetricSnapshot> {
    const values = this.#source.series.map(({ count, labels }) => ({ value: count, labels: { ...labels } }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#source.reset();
  }
}

/** A histogram read from its source. */
class PlainHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  name: string;
  readonly help: string;
  readonly #bucketsSeconds: readonly number[];
  readonly #source: PlainSeriesSource<PlainHistogramSeries>;

  constructor(options: PlainHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.#bucketsSeconds = [...options.bucketsSeconds];
    this.#source = options.source;
  }

  /** The samples for the text format: the series' labels are shared by its bucket, sum and count lines. */
  async getForPromString(): Promise<MetricSnapshot> {
    const bucketName = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const series of this.#source.series) {
      const sharedLabels = series.labels;
      let cumulative = 0;
      this.#bucketsSeconds.forEach((bound, index) => {
        cumulative += series.bucketCounts[index] as number;
        values.push({
          labels: { le: bound },
          sharedLabels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      });
      values.push(
        { labels: { le: "+Inf" }, sharedLabels, value: series.count, metricName: bucketName, exemplar: null },
        { labels: {}, sharedLabels, value: series.sumSeconds, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The samples for `registry.getMetricsAsJSON()`, each with all its labels. */
  async get(): Promise<MetricSnapshot> {
    const snapshot = await this.getForPromString();
    snapshot.values = snapshot.values.map(({ sharedLabels, labels, ...sample }) => ({
      ...sample,
      labels: { ...labels, ...sharedLabels },
    }));
    return snapshot;
  }

  reset(): void {
    this.#source.reset();
  }
}
