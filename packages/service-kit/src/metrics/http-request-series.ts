/**
 * The RED series of a service's HTTP requests, `http_requests_total` and `http_request_duration_seconds`,
 * kept as plain numbers per (route, method, status) and turned into samples only when the registry is
 * scraped. prom-client's own Counter and Histogram build a labels object and hash it into a string on every
 * `inc` and `observe` (children from `labels()` do too), which cost close to a microsecond per request;
 * here a request costs three Map lookups and a few additions. The exposition is the one prom-client's
 * Counter and Histogram give for the same observations (the tests compare the two).
 */
import type { Metric, Registry } from "prom-client";

/** Series kept by default; see `HttpRequestSeriesOptions.maxSeries`. */
export const defaultMaxHttpSeries = 10_000;

/** The `route` label of requests recorded after the table is full. */
export const overflowRoute = "overflow";

export interface HttpRequestSeriesOptions {
  /** Upper bounds of the duration histogram's buckets, in seconds, ascending. */
  bucketsSeconds: readonly number[];
  /**
   * Most (route, method, status) series kept. Requests of a further combination are recorded with
   * `route="overflow"` and their own method and status, so that totals stay right while memory stays
   * bounded (Node's parser knows a fixed set of methods and Fastify answers only statuses 100 to 599).
   * Default: 10000.
   */
  maxSeries?: number;
}

// A type rather than an interface, so that it fits prom-client's `Record<string, …>` of labels.
export type HttpSeriesLabels = {
  readonly route: string;
  readonly method: string;
  readonly status: string;
};

/** One (route, method, status) series as the exposition reads it. */
export interface HttpSeries {
  readonly labels: HttpSeriesLabels;
  readonly count: number;
  readonly sumSeconds: number;
  /** Requests per bucket, not cumulative; the last entry counts those above the largest bound. */
  readonly bucketCounts: readonly number[];
}

interface Series extends HttpSeries {
  count: number;
  sumSeconds: number;
  readonly bucketCounts: number[];
}

type SeriesByStatus = Map<number, Series>;

export class HttpRequestSeries {
  readonly #bucketsSeconds: readonly number[];
  readonly #maxSeries: number;
  #byRoute = new Map<string, Map<string, SeriesByStatus>>();
  /** Every series in the order of its first request, which is the order of the exposition. */
  #series: Series[] = [];
  #overflowSeriesCount = 0;

  constructor(options: HttpRequestSeriesOptions) {
    const { bucketsSeconds, maxSeries = defaultMaxHttpSeries } = options;
    if (!Number.isSafeInteger(maxSeries) || maxSeries < 1) {
      throw new RangeError(`maxSeries must be a positive integer, got ${maxSeries}`);
    }
    const ascending = bucketsSeconds.every(
      (bound, index) =>
        Number.isFinite(bound) && (index === 0 || bound > (bucketsSeconds[index - 1] as number)),
    );
    if (!ascending) {
      throw new RangeError(`bucketsSeconds must be finite and ascending, got ${bucketsSeconds.join(", ")}`);
    }
    this.#bucketsSeconds = [...bucketsSeconds];
    this.#maxSeries = maxSeries;
  }

  /** Counts one answered request and its duration. */
  record(route: string, method: string, statusCode: number, durationSeconds: number): void {
    const series =
      this.#byRoute.get(route)?.get(method)?.get(statusCode) ?? this.#addSeries(route, method, statusCode);
    series.count += 1;
    series.sumSeconds += durationSeconds;
    const bounds = this.#bucketsSeconds;
    let bucket = 0;
    while (bucket < bounds.length && durationSeconds > (bounds[bucket] as number)) bucket++;
    (series.bucketCounts[bucket] as number) += 1;
  }

  /** Number of series kept, `route="overflow"` ones included. */
  get size(): number {
    return this.#series.length;
  }

  /** Forgets every series (what `registry.resetMetrics()` asks for). */
  reset(): void {
    this.#byRoute = new Map();
    this.#series = [];
    this.#overflowSeriesCount = 0;
  }

  /** Registers `http_requests_total` and `http_request_duration_seconds` in `registry`. */
  registerIn(registry: Registry): void {
    // The registry needs only what `RequestsTotal` and `RequestDurations` implement; prom-client's types
    // name its own four classes instead of that shape.
    registry.registerMetric(new RequestsTotal(this) as unknown as Metric);
    registry.registerMetric(new RequestDurations(this) as unknown as Metric);
  }

  /** Every series in the order of its first request. */
  get series(): readonly HttpSeries[] {
    return this.#series;
  }

  get bucketsSeconds(): readonly number[] {
    return this.#bucketsSeconds;
  }

  #addSeries(route: string, method: string, statusCode: number): Series {
    const full = this.#series.length - this.#overflowSeriesCount >= this.#maxSeries;
    if (full && route !== overflowRoute) {
      return (
        this.#byRoute.get(overflowRoute)?.get(method)?.get(statusCode) ??
        this.#addSeries(overflowRoute, method, statusCode)
      );
    }
    let byMethod = this.#byRoute.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#byRoute.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    const series: Series = {
      labels: { route, method, status: String(statusCode) },
      count: 0,
      sumSeconds: 0,
      bucketCounts: new Array<number>(this.#bucketsSeconds.length + 1).fill(0),
    };
    byStatus.set(statusCode, series);
    this.#series.push(series);
    if (route === overflowRoute) this.#overflowSeriesCount++;
    return series;
  }
}

/** One sample as prom-client's Registry formats it: `labels` first, then `sharedLabels`. */
interface Sample {
  value: number;
  labels: Readonly<Record<string, string | number>>;
  sharedLabels?: HttpSeriesLabels;
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

const labelNames = ["route", "method", "status"] as const;

/**
 * `http_requests_total`, read from the series. Like all the registry holds it has a writable `name`
 * (the OpenMetrics format renames counters) and `reset()`; it has no `inc`: only the hook records.
 */
class RequestsTotal {
  name = "http_requests_total";
  readonly help = "HTTP requests answered, by route pattern, method and status.";
  readonly type = "counter";
  readonly aggregator = "sum";
  readonly labelNames = labelNames;
  readonly #series: HttpRequestSeries;

  constructor(series: HttpRequestSeries) {
    this.#series = series;
  }

  async get(): Promise<MetricSnapshot> {
    const values = this.#series.series.map((series) => ({ value: series.count, labels: series.labels }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#series.reset();
  }
}

/** `http_request_duration_seconds`, read from the series. */
class RequestDurations {
  name = "http_request_duration_seconds";
  readonly help = "Time from receiving an HTTP request to finishing its response, in seconds.";
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly labelNames = labelNames;
  readonly #series: HttpRequestSeries;

  constructor(series: HttpRequestSeries) {
    this.#series = series;
  }

  /** The samples for the text format: the series' labels are shared by its bucket, sum and count lines. */
  async getForPromString(): Promise<MetricSnapshot> {
    const bucketName = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const series of this.#series.series) {
      const sharedLabels = series.labels;
      let cumulative = 0;
      this.#series.bucketsSeconds.forEach((bound, index) => {
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
    this.#series.reset();
  }
}
