/**
 * Sections every service dashboard shares: RED panels (rate, errors, duration) from service-kit's
 * `http_*` metrics, and the process panels from prom-client's default metrics. `selector` is the label
 * matcher of the service's series, e.g. `service="pantry"`.
 */
import type { DashboardSection } from "./dashboard-spec.js";

export function redSection(selector: string): DashboardSection {
  const requests = `http_requests_total{${selector}}`;
  const buckets = `http_request_duration_seconds_bucket{${selector}}`;
  return {
    title: "Requests (RED)",
    panels: [
      {
        kind: "timeseries",
        title: "Requests per second by route",
        description: "Requests answered per second, by route pattern (unmatched requests share one route).",
        unit: "reqps",
        queries: [{ expr: `sum by (route) (rate(${requests}[$__rate_interval]))`, legend: "{{route}}" }],
      },
      {
        kind: "timeseries",
        title: "Responses by status",
        description: "Responses per second, by HTTP status code.",
        unit: "reqps",
        queries: [{ expr: `sum by (status) (rate(${requests}[$__rate_interval]))`, legend: "{{status}}" }],
      },
      {
        kind: "timeseries",
        title: "5xx ratio",
        description: "Share of responses with a 5xx status. The HighHttp5xxRatio alert fires above 5%.",
        unit: "percentunit",
        queries: [
          {
            expr:
              `sum(rate(http_requests_total{${selector}, status=~"5.."}[$__rate_interval]))` +
              ` / sum(rate(${requests}[$__rate_interval]))`,
            legend: "5xx",
          },
        ],
      },
      {
        kind: "timeseries",
        title: "Response time",
        description: "50th and 99th percentiles of the time to answer. HighHttpP99Latency fires above 1 s.",
        unit: "s",
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (le) (rate(${buckets}[$__rate_interval])))`,
            legend: "p50",
          },
          {
            expr: `histogram_quantile(0.99, sum by (le) (rate(${buckets}[$__rate_interval])))`,
            legend: "p99",
          },
        ],
      },
      {
        kind: "timeseries",
        title: "p99 response time by route",
        description: "99th percentile of the time to answer, per route pattern.",
        unit: "s",
        width: 24,
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (route, le) (rate(${buckets}[$__rate_interval])))`,
            legend: "{{route}}",
          },
        ],
      },
    ],
  };
}

export function processSection(selector: string): DashboardSection {
  return {
    title: "Process",
    panels: [
      {
        kind: "stat",
        title: "Instances up",
        description: "Instances Prometheus scrapes successfully, out of those it knows.",
        unit: "short",
        queries: [{ expr: `sum(up{${selector}})`, legend: "up" }],
      },
      {
        kind: "stat",
        title: "Restarts (1h)",
        description: "Times a process started anew in the last hour (its start time changed).",
        unit: "short",
        queries: [{ expr: `sum(changes(process_start_time_seconds{${selector}}[1h]))`, legend: "restarts" }],
      },
      {
        kind: "stat",
        title: "Resident memory",
        description: "Resident set size of the process(es), summed.",
        unit: "bytes",
        queries: [{ expr: `sum(process_resident_memory_bytes{${selector}})`, legend: "memory" }],
      },
      {
        kind: "stat",
        title: "Event loop lag p99",
        description: "99th percentile of the Node.js event loop delay, worst instance.",
        unit: "s",
        queries: [{ expr: `max(nodejs_eventloop_lag_p99_seconds{${selector}})`, legend: "lag" }],
      },
      {
        kind: "timeseries",
        title: "CPU",
        description: "CPU time used per second, per instance (1 = one core busy).",
        unit: "short",
        queries: [
          { expr: `rate(process_cpu_seconds_total{${selector}}[$__rate_interval])`, legend: "{{instance}}" },
        ],
      },
      {
        kind: "timeseries",
        title: "Memory",
        description: "Resident set size and V8 heap used, per instance.",
        unit: "bytes",
        queries: [
          { expr: `process_resident_memory_bytes{${selector}}`, legend: "rss {{instance}}" },
          {
            expr: `sum by (instance) (nodejs_heap_size_used_bytes{${selector}})`,
            legend: "heap {{instance}}",
          },
        ],
      },
    ],
  };
}
