/**
 * The per-request series against prom-client's own Counter and Histogram: fed the same requests, both
 * registries must expose the same text and the same JSON, so that taking prom-client off the request
 * path changed nothing a scraper sees.
 */
import { Counter, Histogram, Registry, type RegistryContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  OperationSeries,
  operationDurationBucketsSeconds,
  unknownTableLabel,
} from "../../src/api/operation-series.js";

interface Observation {
  operation: string;
  table: string;
  outcome: string;
  durationSeconds: number;
  itemsRead: number;
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

const operations = ["GetItem", "PutItem", "Query", "unknown"];
const tables = ["bench", "-", "recipes.v2", 'odd"quoted\\name'];
const outcomes = ["ok", "ValidationException", "ConditionalCheckFailedException"];
/** Durations on and next to every bound, and beyond the largest. */
const edgeDurationsSeconds = [0, ...operationDurationBucketsSeconds, 2.5000001, 42, 0.00049999];

function observationsFrom(seed: number, count: number): Observation[] {
  const random = randomFrom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  return Array.from({ length: count }, () => ({
    operation: pick(operations),
    table: pick(tables),
    outcome: pick(outcomes),
    durationSeconds: random() < 0.3 ? pick(edgeDurationsSeconds) : random() ** 3 * 3,
    itemsRead: random() < 0.5 ? 0 : Math.floor(random() * 20) + 1,
  }));
}

/** What the storage metrics registered before the series existed. */
function promClientRegistry(observations: readonly Observation[]): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "storage" });
  const total = new Counter({
    name: "storage_operations_total",
    help: "DynamoDB API operations handled, by operation, table and outcome (ok or the error type).",
    labelNames: ["operation", "table", "outcome"],
    registers: [registry],
  });
  const durations = new Histogram({
    name: "storage_operation_duration_seconds",
    help: "Time from receiving a DynamoDB API request to sending its response.",
    labelNames: ["operation"],
    buckets: [...operationDurationBucketsSeconds],
    registers: [registry],
  });
  const itemsRead = new Counter({
    name: "storage_items_read_total",
    help: "Items read from the store by Query, Scan and the Get operations, before filters.",
    labelNames: ["table", "operation"],
    registers: [registry],
  });
  for (const { operation, table, outcome, durationSeconds, itemsRead: count } of observations) {
    if (count > 0) itemsRead.inc({ operation, table }, count);
    total.inc({ operation, table, outcome });
    durations.observe({ operation }, durationSeconds);
  }
  return registry;
}

function seriesRegistry(observations: readonly Observation[], maxSeriesPerMetric?: number): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "storage" });
  const series = new OperationSeries({ maxSeriesPerMetric });
  series.registerIn(registry);
  for (const { operation, table, outcome, durationSeconds, itemsRead } of observations) {
    if (itemsRead > 0) series.countItemsRead(operation, table, itemsRead);
    series.observe(operation, table, outcome, durationSeconds);
  }
  return registry;
}

describe("OperationSeries", () => {
  it.each([1, 2, 3])("exposes what prom-client exposes for the same requests (seed %i)", async (seed) => {
    const observations = observationsFrom(seed, 2000);
    const expected = promClientRegistry(observations);
    const actual = seriesRegistry(observations);
    expect(await actual.metrics()).toBe(await expected.metrics());
    expect(await actual.getMetricsAsJSON()).toEqual(await expected.getMetricsAsJSON());
  });

  it("exposes the same OpenMetrics text as prom-client", async () => {
    const observations = observationsFrom(4, 200);
    const expected: Registry<RegistryContentType> = promClientRegistry(observations);
    const actual: Registry<RegistryContentType> = seriesRegistry(observations);
    expected.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    actual.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await actual.metrics()).toBe(await expected.metrics());
  });

  it("exposes help and type lines and no samples before the first request", async () => {
    const text = await seriesRegistry([]).metrics();
    expect(text).toBe(await promClientRegistry([]).metrics());
    expect(text).toContain("# TYPE storage_operation_duration_seconds histogram");
    expect(text).not.toMatch(/^storage_/m);
  });

  it("counts a duration equal to a bound in that bound's bucket", async () => {
    const text = await seriesRegistry([
      { operation: "GetItem", table: "t", outcome: "ok", durationSeconds: 0.005, itemsRead: 0 },
    ]).metrics();
    expect(text).toContain(
      'storage_operation_duration_seconds_bucket{le="0.005",service="storage",operation="GetItem"} 1',
    );
    expect(text).toContain(
      'storage_operation_duration_seconds_bucket{le="0.0025",service="storage",operation="GetItem"} 0',
    );
  });

  it("keeps at most maxSeriesPerMetric series per metric and records further tables as '-'", async () => {
    const series = new OperationSeries({ maxSeriesPerMetric: 2 });
    const registry = new Registry();
    series.registerIn(registry);
    series.observe("GetItem", "a", "ok", 0.001);
    series.observe("GetItem", "b", "ok", 0.001);
    series.observe("GetItem", "a", "ok", 0.001);
    series.observe("GetItem", "c", "ok", 0.001);
    series.observe("PutItem", "d", "ok", 0.001);
    series.observe("GetItem", "e", "ok", 0.001);
    const [total] = (await registry.getMetricsAsJSON()).filter(
      (metric) => metric.name === "storage_operations_total",
    );
    expect(total?.values.map(({ labels, value }) => ({ ...labels, value }))).toEqual([
      { operation: "GetItem", table: "a", outcome: "ok", value: 2 },
      { operation: "GetItem", table: "b", outcome: "ok", value: 1 },
      { operation: "GetItem", table: unknownTableLabel, outcome: "ok", value: 2 },
      { operation: "PutItem", table: unknownTableLabel, outcome: "ok", value: 1 },
    ]);
  });

  it("forgets every series when the registry is reset", async () => {
    const registry = seriesRegistry(observationsFrom(5, 50));
    expect(await registry.metrics()).toMatch(/^storage_operations_total\{/m);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(await promClientRegistry([]).metrics());
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects maxSeriesPerMetric %s", (maxSeriesPerMetric) => {
    expect(() => new OperationSeries({ maxSeriesPerMetric })).toThrow(RangeError);
  });
});
