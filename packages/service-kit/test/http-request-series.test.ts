/**
 * The RED series against prom-client's own Counter and Histogram: fed the same requests, both registries
 * must expose the same text and the same JSON, so that replacing prom-client's per-request path changed
 * nothing a scraper sees.
 */
import { Counter, Histogram, Registry, type RegistryContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { requestDurationBucketsSeconds } from "../src/metrics/http-metrics.js";
import { HttpRequestSeries, overflowRoute } from "../src/metrics/http-request-series.js";

interface Request {
  route: string;
  method: string;
  statusCode: number;
  durationSeconds: number;
}

/** A small deterministic generator (mulberry32), so that a failure replays from its seed. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const routes = ["/hello", "/recipes/:id", "unmatched", '/odd/"quoted"\\path'];
const methods = ["GET", "HEAD", "POST", "DELETE"];
const statusCodes = [200, 201, 304, 400, 404, 500, 503];
/** Durations on and next to every bound, and beyond the largest. */
const edgeDurationsSeconds = [0, ...requestDurationBucketsSeconds, 10.000001, 42, 0.0049999];

function requestsFrom(seed: number, count: number): Request[] {
  const random = randomFrom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  return Array.from({ length: count }, () => ({
    route: pick(routes),
    method: pick(methods),
    statusCode: pick(statusCodes),
    durationSeconds: random() < 0.3 ? pick(edgeDurationsSeconds) : random() ** 3 * 12,
  }));
}

function promClientRegistry(requests: readonly Request[]): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "example" });
  const labelNames = ["route", "method", "status"];
  const total = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by route pattern, method and status.",
    labelNames,
    registers: [registry],
  });
  const durations = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving an HTTP request to finishing its response, in seconds.",
    labelNames,
    buckets: requestDurationBucketsSeconds,
    registers: [registry],
  });
  for (const { route, method, statusCode, durationSeconds } of requests) {
    const labels = { route, method, status: String(statusCode) };
    total.inc(labels);
    durations.observe(labels, durationSeconds);
  }
  return registry;
}

function seriesRegistry(requests: readonly Request[], maxSeries?: number): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "example" });
  const series = new HttpRequestSeries({ bucketsSeconds: requestDurationBucketsSeconds, maxSeries });
  series.registerIn(registry);
  for (const { route, method, statusCode, durationSeconds } of requests) {
    series.record(route, method, statusCode, durationSeconds);
  }
  return registry;
}

describe("HttpRequestSeries", () => {
  it.each([1, 2, 3])("exposes what prom-client exposes for the same requests (seed %i)", async (seed) => {
    const requests = requestsFrom(seed, 2000);
    const expected = promClientRegistry(requests);
    const actual = seriesRegistry(requests);
    expect(await actual.metrics()).toBe(await expected.metrics());
    expect(await actual.getMetricsAsJSON()).toEqual(await expected.getMetricsAsJSON());
  });

  it("exposes the same OpenMetrics text as prom-client", async () => {
    const requests = requestsFrom(4, 200);
    const expected: Registry<RegistryContentType> = promClientRegistry(requests);
    const actual: Registry<RegistryContentType> = seriesRegistry(requests);
    expected.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    actual.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await actual.metrics()).toBe(await expected.metrics());
  });

  it("exposes help and type lines and no samples before the first request", async () => {
    const text = await seriesRegistry([]).metrics();
    expect(text).toBe(await promClientRegistry([]).metrics());
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).not.toMatch(/^http_/m);
  });

  it("counts a duration equal to a bound in that bound's bucket", async () => {
    const text = await seriesRegistry([
      { route: "/a", method: "GET", statusCode: 200, durationSeconds: 0.005 },
    ]).metrics();
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",service="example",route="/a",method="GET",status="200"} 1',
    );
  });

  it("keeps at most maxSeries series and records the rest as route overflow with their method and status", async () => {
    const requests: Request[] = [
      { route: "/a", method: "GET", statusCode: 200, durationSeconds: 0.001 },
      { route: "/b", method: "GET", statusCode: 200, durationSeconds: 0.001 },
      { route: "/a", method: "GET", statusCode: 200, durationSeconds: 0.002 },
      { route: "/c", method: "GET", statusCode: 200, durationSeconds: 0.003 },
      { route: "/d", method: "GET", statusCode: 200, durationSeconds: 0.004 },
      { route: "/e", method: "POST", statusCode: 500, durationSeconds: 0.5 },
      { route: "/a", method: "GET", statusCode: 404, durationSeconds: 0.001 },
    ];
    const series = new HttpRequestSeries({ bucketsSeconds: requestDurationBucketsSeconds, maxSeries: 2 });
    for (const request of requests) {
      series.record(request.route, request.method, request.statusCode, request.durationSeconds);
    }
    expect(series.series.map(({ labels, count }) => ({ ...labels, count }))).toEqual([
      { route: "/a", method: "GET", status: "200", count: 2 },
      { route: "/b", method: "GET", status: "200", count: 1 },
      { route: overflowRoute, method: "GET", status: "200", count: 2 },
      { route: overflowRoute, method: "POST", status: "500", count: 1 },
      { route: overflowRoute, method: "GET", status: "404", count: 1 },
    ]);
    expect(series.series.reduce((sum, { count }) => sum + count, 0)).toBe(requests.length);
    expect(series.series[2]?.sumSeconds).toBeCloseTo(0.007, 12);
  });

  it("forgets every series when the registry is reset", async () => {
    const registry = seriesRegistry(requestsFrom(5, 50));
    expect(await registry.metrics()).toMatch(/^http_requests_total\{/m);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(await promClientRegistry([]).metrics());
  });

  it("refuses a second registration of the same names", () => {
    const registry = new Registry();
    const options = { bucketsSeconds: requestDurationBucketsSeconds };
    new HttpRequestSeries(options).registerIn(registry);
    expect(() => new HttpRequestSeries(options).registerIn(registry)).toThrow(/already been registered/);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects maxSeries %s", (maxSeries) => {
    expect(() => new HttpRequestSeries({ bucketsSeconds: [1], maxSeries })).toThrow(RangeError);
  });

  it.each([[[1, 1]], [[2, 1]], [[0.5, Number.NaN]], [[Number.NaN, 1]], [[1, Number.POSITIVE_INFINITY]]])(
    "rejects buckets %j that are not finite and ascending",
    (buckets) => {
      expect(() => new HttpRequestSeries({ bucketsSeconds: buckets })).toThrow(RangeError);
    },
  );
});
