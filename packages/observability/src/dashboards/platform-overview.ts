/** The platform overview: which services are up, their traffic, errors and latency side by side, and firing alerts. */
import type { DashboardSpec } from "./dashboard-spec.js";

export const platformOverview: DashboardSpec = {
  uid: "hakobune-overview",
  title: "Hakobune / Platform overview",
  description: "Every service at a glance: up or down, traffic, errors, latency, and the alerts firing now.",
  sections: [
    {
      title: "Health",
      panels: [
        {
          kind: "stat",
          title: "Targets up",
          description: "Service instances Prometheus scrapes successfully.",
          unit: "short",
          queries: [{ expr: "count(up == 1) or vector(0)", legend: "up" }],
        },
        {
          kind: "stat",
          title: "Targets down",
          description:
            "Service instances Prometheus cannot scrape: TargetDown fires for each after a minute.",
          unit: "short",
          queries: [{ expr: "count(up == 0) or vector(0)", legend: "down" }],
        },
        {
          kind: "stat",
          title: "Alerts firing",
          description: "Alerts firing now, of every severity; their runbooks are in docs/runbooks.",
          unit: "short",
          queries: [{ expr: 'count(ALERTS{alertstate="firing"}) or vector(0)', legend: "firing" }],
        },
        {
          kind: "stat",
          title: "Critical alerts firing",
          description: "Alerts of severity critical firing now.",
          unit: "short",
          queries: [
            {
              expr: 'count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)',
              legend: "critical",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Up by service",
          description: "1 while every instance of a service is scraped, 0 while one is not.",
          unit: "short",
          queries: [{ expr: "min by (service) (up)", legend: "{{service}}" }],
        },
        {
          kind: "timeseries",
          title: "Alerts firing by name",
          description: "Firing alerts, by alert name and service.",
          unit: "short",
          queries: [
            {
              expr: 'sum by (alertname, service) (ALERTS{alertstate="firing"})',
              legend: "{{alertname}} {{service}}",
            },
          ],
        },
      ],
    },
    {
      title: "Traffic, errors and latency by service",
      panels: [
        {
          kind: "timeseries",
          title: "HTTP requests per second",
          description: "Requests answered per second by each service built on service-kit.",
          unit: "reqps",
          queries: [
            { expr: "sum by (service) (rate(http_requests_total[$__rate_interval]))", legend: "{{service}}" },
          ],
        },
        {
          kind: "timeseries",
          title: "HTTP 5xx ratio",
          description: "Share of each service's responses with a 5xx status.",
          unit: "percentunit",
          queries: [
            {
              expr:
                'sum by (service) (rate(http_requests_total{status=~"5.."}[$__rate_interval]))' +
                " / sum by (service) (rate(http_requests_total[$__rate_interval]))",
              legend: "{{service}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "HTTP p99 response time",
          description: "99th percentile of each service's response time.",
          unit: "s",
          queries: [
            {
              expr: "histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))",
              legend: "{{service}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Storage operations per second",
          description: "DynamoDB API operations storage handles, by outcome (ok or the error type).",
          unit: "ops",
          queries: [
            {
              expr: "sum by (outcome) (rate(storage_operations_total[$__rate_interval]))",
              legend: "{{outcome}}",
            },
          ],
        },
      ],
    },
  ],
};
