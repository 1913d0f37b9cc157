/**
 * The storage service's Prometheus metrics. Label values are bounded: `operation` is one of the API's
 * operation names, `table` is an existing table's name (anything else is reported as "-"), `outcome` is
 * "ok" or a DynamoDB error type.
 */
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { StorageEngine } from "../engine/index.js";
import { OperationSeries, unknownTableLabel } from "./operation-series.js";

/**
 * prom-client's default gauges whose names end in `_total`, which Prometheus reserves for counters
 * (`promtool check metrics` rejects them). Each sums a gauge that is kept (`nodejs_active_handles`…).
 */
const gaugesNamedLikeCounters = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

export class StorageMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  #engine: StorageEngine;
  readonly #series = new OperationSeries();

  constructor(engine: StorageEngine) {
    this.#engine = engine;
    this.registry.setDefaultLabels({ service: "storage" });
    collectDefaultMetrics({ register: this.registry });
    for (const name of gaugesNamedLikeCounters) this.registry.removeSingleMetric(name);
    this.#series.registerIn(this.registry);
    const items = new Gauge({
      name: "storage_table_items",
      help: "Items stored per table.",
      labelNames: ["table"],
      registers: [this.registry],
    });
    const bytes = new Gauge({
      name: "storage_table_size_bytes",
      help: "Bytes stored per table, counted as DynamoDB counts item sizes.",
      labelNames: ["table"],
      registers: [this.registry],
    });
    const partitionItems = new Gauge({
      name: "storage_partition_items",
      help: "Items stored per partition of each table (partition = its position in hash order).",
      labelNames: ["table", "partition"],
      registers: [this.registry],
    });
    const partitionBytes = new Gauge({
      name: "storage_partition_size_bytes",
      help: "Bytes stored per partition of each table, counted as DynamoDB counts item sizes.",
      labelNames: ["table", "partition"],
      registers: [this.registry],
    });
    const tables = new Gauge({
      name: "storage_tables",
      help: "Tables in the store.",
      registers: [this.registry],
    });
    // Table and partition gauges are read from the engine at scrape time, never kept in step on the
    // write path.
    this.#collectTables = () => {
      for (const gauge of [items, bytes, partitionItems, partitionBytes]) gauge.reset();
      const names = this.#engine.listTableNames();
      tables.set(names.length);
      for (const name of names) {
        let tableItems = 0;
        let tableBytes = 0;
        this.#engine.partitionStats(name).forEach((stats, index) => {
          const labels = { table: name, partition: String(index) };
          partitionItems.set(labels, stats.itemCount);
          partitionBytes.set(labels, stats.sizeBytes);
          tableItems += stats.itemCount;
          tableBytes += stats.sizeBytes;
        });
        items.set({ table: name }, tableItems);
        bytes.set({ table: name }, tableBytes);
      }
    };
  }

  #collectTables: () => void;

  #tableLabel(table: string): string {
    return table !== "" && this.#engine.getTable(table) ? table : unknownTableLabel;
  }

  observe(operation: string, table: string, outcome: string, durationSeconds: number): void {
    this.#series.observe(operation, this.#tableLabel(table), outcome, durationSeconds);
  }

  countItemsRead(operation: string, table: string, count: number): void {
    if (count > 0) this.#series.countItemsRead(operation, this.#tableLabel(table), count);
  }

  async render(): Promise<string> {
    this.#collectTables();
    return this.registry.metrics();
  }
}
