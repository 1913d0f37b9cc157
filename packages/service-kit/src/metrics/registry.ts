/**
 * A service's own Prometheus registry (never prom-client's global one), labelled with the service's name
 * and, unless left out, holding prom-client's default process and Node.js metrics.
 */
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * prom-client's gauges that end in `_total`, which Prometheus reserves for counters (`promtool check
 * metrics` rejects them). Each is the sum of a gauge without the suffix that is kept
 * (`nodejs_active_handles{type}` and so on).
 */
const gaugesNamedLikeCounters = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

export interface MetricsRegistryOptions {
  /**
   * Whether to collect prom-client's default metrics, which watch garbage collection and event-loop delay
   * all the time. Default: `true`.
   */
  processMetrics?: boolean;
}

export function createMetricsRegistry(serviceName: string, options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: serviceName });
  if (options.processMetrics === false) return registry;
  collectDefaultMetrics({ register: registry });
  for (const name of gaugesNamedLikeCounters) registry.removeSingleMetric(name);
  return registry;
}
