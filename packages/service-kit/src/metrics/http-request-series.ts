/**
 * The RED series of a service's HTTP requests, `http_requests_total` and `http_request_duration_seconds`,
 * kept as plain numbers per (route, method, status) and turned into samples only when the registry is
 * scraped. prom-client's own Counter and Histogram build a labels object and hash it into a string on every
 * `inc` and `observe` (children from `labels()` do too), which cost close to a microsecond per request;
 * here a request costs three Map lookups and a few additions. The exposition is the one prom-client's
 * Counter and Histogram give for the same observations (the tests compare the two; see `plain-series.ts`).
 */
import type { Registry } from "prom-client";
import {
  emptyHistogramSeries,
  type PlainHistogramSeries,
  type RecordedHistogramSeries,
  recordSeconds,
  registerPlainCounter,
  registerPlainHistogram,
} from "./plain-series.js";

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
export interface HttpSeries extends PlainHistogramSeries {
  readonly labels: HttpSeriesLabels;
}

interface Series extends RecordedHistogramSeries {
  readonly labels: HttpSeriesLabels;
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
    recordSeconds(series, this.#bucketsSeconds, durationSeconds);
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
    registerPlainCounter(registry, {
      name: "http_requests_total",
      help: "HTTP requests answered, by route pattern, method and status.",
      source: this,
    });
    registerPlainHistogram(registry, {
      name: "http_request_duration_seconds",
      help: "Time from receiving an HTTP request to finishing its response, in seconds.",
      bucketsSeconds: this.#bucketsSeconds,
      source: this,
    });
  }

  /** Every series in the order of its first request. */
  get series(): readonly HttpSeries[] {
    return this.#series;
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
    const series: Series = emptyHistogramSeries(
      { route, method, status: String(statusCode) },
      this.#bucketsSeconds,
    );
    byStatus.set(statusCode, series);
    this.#series.push(series);
    if (route === overflowRoute) this.#overflowSeriesCount++;
    return series;
  }
}
