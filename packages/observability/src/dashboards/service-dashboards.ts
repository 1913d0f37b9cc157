/**
 * One dashboard per service: any service-kit service (chosen with a variable), storage, auth-center and
 * pantry, each with the panels of its own metrics.
 */
import type { DashboardSpec } from "./dashboard-spec.js";
import { processSection, redSection } from "./service-sections.js";

/** RED and process panels for whichever service-kit service the `service` variable names. */
export const anyServiceDashboard: DashboardSpec = {
  uid: "hakobune-service",
  title: "Hakobune / Service",
  description: "Requests, errors, response times and the process of one service built on service-kit.",
  serviceVariable: true,
  sections: [redSection('service="$service"'), processSection('service="$service"')],
};

const storage = 'service="storage"';

export const storageDashboard: DashboardSpec = {
  uid: "hakobune-storage",
  title: "Hakobune / Storage",
  description:
    "The DynamoDB-compatible store: operations, outcomes, latency, tables and (with replication) partitions.",
  tags: ["storage"],
  sections: [
    {
      title: "Operations",
      panels: [
        {
          kind: "timeseries",
          title: "Operations per second",
          description: "API operations handled per second, by operation.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (operation) (rate(storage_operations_total{${storage}}[$__rate_interval]))`,
              legend: "{{operation}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Errors per second by type",
          description:
            "Operations that failed, by DynamoDB error type. InternalServerError and ServiceUnavailable are " +
            "the server's fault (StorageServerErrors); throttling types feed StorageThrottling.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (outcome) (rate(storage_operations_total{${storage}, outcome!="ok"}[$__rate_interval]))`,
              legend: "{{outcome}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "p99 latency by operation",
          description: "99th percentile of the time from request to response, per operation.",
          unit: "s",
          queries: [
            {
              expr:
                "histogram_quantile(0.99, sum by (operation, le) " +
                `(rate(storage_operation_duration_seconds_bucket{${storage}}[$__rate_interval])))`,
              legend: "{{operation}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "p50 latency by operation",
          description: "Median time from request to response, per operation.",
          unit: "s",
          queries: [
            {
              expr:
                "histogram_quantile(0.5, sum by (operation, le) " +
                `(rate(storage_operation_duration_seconds_bucket{${storage}}[$__rate_interval])))`,
              legend: "{{operation}}",
            },
          ],
        },
      ],
    },
    {
      title: "Tables",
      panels: [
        {
          kind: "stat",
          title: "Tables",
          description: "Tables in the store.",
          unit: "short",
          queries: [{ expr: `sum(storage_tables{${storage}})`, legend: "tables" }],
        },
        {
          kind: "stat",
          title: "Items",
          description: "Items stored, all tables.",
          unit: "short",
          queries: [{ expr: `sum(storage_table_items{${storage}})`, legend: "items" }],
        },
        {
          kind: "stat",
          title: "Bytes stored",
          description: "Bytes stored, all tables, counted as DynamoDB counts item sizes.",
          unit: "bytes",
          queries: [{ expr: `sum(storage_table_size_bytes{${storage}})`, legend: "bytes" }],
        },
        {
          kind: "stat",
          title: "Items read per second",
          description: "Items read by Query, Scan and the Get operations, before filters.",
          unit: "short",
          queries: [
            { expr: `sum(rate(storage_items_read_total{${storage}}[$__rate_interval]))`, legend: "items/s" },
          ],
        },
        {
          kind: "timeseries",
          title: "Items by table",
          description: "Items stored per table.",
          unit: "short",
          queries: [{ expr: `sum by (table) (storage_table_items{${storage}})`, legend: "{{table}}" }],
        },
        {
          kind: "timeseries",
          title: "Items read per second by table",
          description: "Items read per second, per table, before filters: a Scan shows up here.",
          unit: "short",
          queries: [
            {
              expr: `sum by (table) (rate(storage_items_read_total{${storage}}[$__rate_interval]))`,
              legend: "{{table}}",
            },
          ],
        },
      ],
    },
    {
      title: "Replication (three-zone stores)",
      panels: [
        {
          kind: "stat",
          title: "Partitions without a leader",
          description: "Partitions with no elected leader; StoragePartitionWithoutLeader fires above 0.",
          unit: "short",
          width: 8,
          queries: [{ expr: `max(storage_partitions_without_leader{${storage}})`, legend: "leaderless" }],
        },
        {
          kind: "timeseries",
          title: "Replication lag by partition",
          description: "Log entries the furthest-behind follower trails its leader by, per partition.",
          unit: "short",
          width: 16,
          queries: [
            {
              expr: `max by (table, partition) (storage_replication_lag_entries{${storage}})`,
              legend: "{{table}} {{partition}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Raft log sync p99 by node",
          description:
            "99th percentile of each storage node's Raft log fdatasync; StorageRaftLogSyncSlow fires above 100 ms.",
          unit: "s",
          width: 24,
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (instance, le) (rate(storage_raft_log_sync_seconds_bucket{${storage}}[$__rate_interval])))`,
              legend: "{{instance}}",
            },
          ],
        },
      ],
    },
    processSection(storage),
  ],
};

const auth = 'service="auth-center"';

export const authCenterDashboard: DashboardSpec = {
  uid: "hakobune-auth-center",
  title: "Hakobune / Auth center",
  description:
    "The OAuth 2.0 / OpenID Connect provider: logins, tokens, introspection, revocation, and its HTTP traffic.",
  tags: ["auth-center"],
  sections: [
    {
      title: "Logins and tokens",
      panels: [
        {
          kind: "timeseries",
          title: "Logins per second by result",
          description: "Login attempts per second: success, failure, throttled or csrf_rejected.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (result) (rate(auth_logins_total{${auth}}[$__rate_interval]))`,
              legend: "{{result}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Failed login ratio",
          description:
            "Share of login attempts that failed or were throttled; AuthLoginFailureSpike fires above 50%.",
          unit: "percentunit",
          queries: [
            {
              expr:
                `sum(rate(auth_logins_total{${auth}, result=~"failure|throttled"}[$__rate_interval]))` +
                ` / sum(rate(auth_logins_total{${auth}}[$__rate_interval]))`,
              legend: "failed",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Tokens issued per second by grant",
          description: "Successful token endpoint responses, by grant type.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (grant) (rate(auth_tokens_issued_total{${auth}}[$__rate_interval]))`,
              legend: "{{grant}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Introspections and revocations",
          description: "Introspection requests by result, and revocation events by kind, per second.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (result) (rate(auth_introspections_total{${auth}}[$__rate_interval]))`,
              legend: "introspection {{result}}",
            },
            {
              expr: `sum by (kind) (rate(auth_revocations_total{${auth}}[$__rate_interval]))`,
              legend: "revocation {{kind}}",
            },
          ],
        },
      ],
    },
    redSection(auth),
    processSection(auth),
  ],
};

const pantry = 'service="pantry"';

export const pantryDashboard: DashboardSpec = {
  uid: "hakobune-pantry",
  title: "Hakobune / Pantry",
  description: "The recipes API: token verification and its cache, recipes written, and its HTTP traffic.",
  tags: ["pantry"],
  sections: [
    {
      title: "Tokens and recipes",
      panels: [
        {
          kind: "timeseries",
          title: "Token verifications per second",
          description:
            "Access tokens verified per second, by mode and result; TokenVerificationFailures watches the share not valid.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (mode, result) (rate(resource_token_verifications_total{${pantry}}[$__rate_interval]))`,
              legend: "{{mode}} {{result}}",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Verification cache hit ratio",
          description: "Share of verifications answered from the cache.",
          unit: "percentunit",
          queries: [
            {
              expr:
                `sum(rate(resource_verification_cache_total{${pantry}, result="hit"}[$__rate_interval]))` +
                ` / sum(rate(resource_verification_cache_total{${pantry}}[$__rate_interval]))`,
              legend: "hit ratio",
            },
          ],
        },
        {
          kind: "timeseries",
          title: "Recipes written per second",
          description: "Recipes created or updated per second.",
          unit: "ops",
          width: 24,
          queries: [
            {
              expr: `sum(rate(pantry_recipes_written_total{${pantry}}[$__rate_interval]))`,
              legend: "recipes",
            },
          ],
        },
      ],
    },
    redSection(pantry),
    processSection(pantry),
  ],
};
