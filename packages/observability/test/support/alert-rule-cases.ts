/**
 * Unit tests of every alert rule for `promtool test rules`: input series, the time the rules are
 * evaluated at, and the alerts expected then, with their labels and rendered annotations. An empty
 * `expectedAlerts` asserts the alert stays quiet. Series are sampled every minute.
 */

export interface AlertRuleCase {
  /** The alert under test. */
  alert: string;
  /** What the case shows. */
  name: string;
  inputSeries: { series: string; values: string }[];
  /** When the rules are evaluated, e.g. `10m`. */
  evalTime: string;
  expectedAlerts: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

const runbook = (alert: string) => `docs/runbooks/${alert}.md`;

const requests = (status: string, values: string, route = "/recipes") => ({
  series: `http_requests_total{service="pantry", route="${route}", method="GET", status="${status}"}`,
  values,
});

/** Duration buckets of one route, with `perMinute` requests a minute all falling in bucket `le`. */
function durationBuckets(le: string, perMinute: number, route = "/recipes") {
  const labels = `service="pantry", route="${route}", method="GET", status="200"`;
  const bounds = ["0.5", "1", "2.5", "+Inf"];
  return [
    ...bounds.map((bound) => ({
      series: `http_request_duration_seconds_bucket{${labels}, le="${bound}"}`,
      values: Number(bound) >= Number(le) || bound === "+Inf" ? `0+${perMinute}x30` : "0x30",
    })),
    { series: `http_request_duration_seconds_count{${labels}}`, values: `0+${perMinute}x30` },
  ];
}

const storageOperations = (outcome: string, values: string) => ({
  series: `storage_operations_total{service="storage", operation="PutItem", table="recipes", outcome="${outcome}"}`,
  values,
});

const logins = (result: string, values: string) => ({
  series: `auth_logins_total{service="auth-center", result="${result}"}`,
  values,
});

const verifications = (result: string, values: string) => ({
  series: `resource_token_verifications_total{service="pantry", mode="local", result="${result}"}`,
  values,
});

export const alertRuleCases: readonly AlertRuleCase[] = [
  {
    alert: "TargetDown",
    name: "fires once a target has been down for a minute",
    inputSeries: [
      { series: 'up{job="hakobune", service="pantry", instance="127.0.0.1:8082"}', values: "1 1 0 0 0 0" },
    ],
    evalTime: "5m",
    expectedAlerts: [
      {
        labels: { severity: "critical", job: "hakobune", service: "pantry", instance: "127.0.0.1:8082" },
        annotations: {
          summary: "pantry is down",
          description:
            "Prometheus cannot scrape pantry at 127.0.0.1:8082: the process has exited, hangs, or does not answer /metrics.",
          runbook_url: runbook("TargetDown"),
        },
      },
    ],
  },
  {
    alert: "TargetDown",
    name: "stays quiet while a target is up",
    inputSeries: [
      { series: 'up{job="hakobune", service="pantry", instance="127.0.0.1:8082"}', values: "1x10" },
    ],
    evalTime: "10m",
    expectedAlerts: [],
  },
  {
    alert: "TargetDown",
    name: "stays quiet for a single failed scrape",
    inputSeries: [
      { series: 'up{job="hakobune", service="pantry", instance="127.0.0.1:8082"}', values: "1 1 1 1 0" },
    ],
    evalTime: "4m",
    expectedAlerts: [],
  },
  {
    alert: "HighHttp5xxRatio",
    name: "fires when 10% of responses are 5xx",
    inputSeries: [requests("200", "0+54x20"), requests("500", "0+6x20")],
    evalTime: "10m",
    expectedAlerts: [
      {
        labels: { severity: "critical", service: "pantry" },
        annotations: {
          summary: "pantry answers many requests with 5xx",
          description:
            "10% of the requests pantry answered over the last 5m had a 5xx status (threshold 5%).",
          runbook_url: runbook("HighHttp5xxRatio"),
        },
      },
    ],
  },
  {
    alert: "HighHttp5xxRatio",
    name: "stays quiet at 1% of 5xx",
    inputSeries: [requests("200", "0+99x20"), requests("500", "0+1x20")],
    evalTime: "10m",
    expectedAlerts: [],
  },
  {
    alert: "HighHttp5xxRatio",
    name: "stays quiet when every request fails but there are too few to judge",
    inputSeries: [requests("500", "0+3x20")],
    evalTime: "10m",
    expectedAlerts: [],
  },
  {
    alert: "HighHttpP99Latency",
    name: "fires when every request takes between 1 and 2.5 seconds",
    inputSeries: durationBuckets("2.5", 60),
    evalTime: "20m",
    expectedAlerts: [
      {
        labels: { severity: "warning", service: "pantry" },
        annotations: {
          summary: "pantry is slow",
          description:
            "The 99th percentile of pantry's response time over the last 5m is 2.485s (threshold 1s).",
          runbook_url: runbook("HighHttpP99Latency"),
        },
      },
    ],
  },
  {
    alert: "HighHttpP99Latency",
    name: "stays quiet when requests take under half a second",
    inputSeries: durationBuckets("0.5", 60),
    evalTime: "20m",
    expectedAlerts: [],
  },
  {
    alert: "HighHttpP99Latency",
    name: "ignores slow requests to no route",
    inputSeries: durationBuckets("2.5", 60, "unmatched"),
    evalTime: "20m",
    expectedAlerts: [],
  },
  {
    alert: "StorageServerErrors",
    name: "fires when 3% of operations fail with InternalServerError",
    inputSeries: [storageOperations("ok", "0+97x20"), storageOperations("InternalServerError", "0+3x20")],
    evalTime: "10m",
    expectedAlerts: [
      {
        labels: { severity: "critical", service: "storage" },
        annotations: {
          summary: "storage fails operations with server errors",
          description:
            "3% of storage's operations over the last 5m failed with InternalServerError or ServiceUnavailable (threshold 1%).",
          runbook_url: runbook("StorageServerErrors"),
        },
      },
    ],
  },
  {
    alert: "StorageServerErrors",
    name: "stays quiet when half the operations fail for the caller's fault",
    inputSeries: [storageOperations("ok", "0+50x20"), storageOperations("ValidationException", "0+50x20")],
    evalTime: "10m",
    expectedAlerts: [],
  },
  {
    alert: "StorageThrottling",
    name: "fires when a fifth of a table's operations are throttled",
    inputSeries: [
      storageOperations("ok", "0+80x20"),
      storageOperations("ProvisionedThroughputExceededException", "0+20x20"),
    ],
    evalTime: "15m",
    expectedAlerts: [
      {
        labels: { severity: "warning", service: "storage", table: "recipes" },
        annotations: {
          summary: "storage throttles operations on table recipes",
          description:
            "20% of the operations on table recipes over the last 5m were refused for their rate (threshold 5%).",
          runbook_url: runbook("StorageThrottling"),
        },
      },
    ],
  },
  {
    alert: "StorageThrottling",
    name: "stays quiet at 2% throttled",
    inputSeries: [storageOperations("ok", "0+98x20"), storageOperations("ThrottlingException", "0+2x20")],
    evalTime: "15m",
    expectedAlerts: [],
  },
  {
    alert: "AuthLoginFailureSpike",
    name: "fires when 80% of many logins fail or are throttled",
    inputSeries: [logins("success", "0+12x20"), logins("failure", "0+36x20"), logins("throttled", "0+12x20")],
    evalTime: "15m",
    expectedAlerts: [
      {
        labels: { severity: "warning", service: "auth-center" },
        annotations: {
          summary: "Most logins at auth-center fail",
          description:
            "80% of the login attempts at auth-center over the last 5m failed or were throttled (threshold 50%): " +
            "a password-guessing attack, or a broken login page or account store.",
          runbook_url: runbook("AuthLoginFailureSpike"),
        },
      },
    ],
  },
  {
    alert: "AuthLoginFailureSpike",
    name: "stays quiet when few people mistype",
    inputSeries: [logins("success", "0+1x20"), logins("failure", "0+5x20")],
    evalTime: "15m",
    expectedAlerts: [],
  },
  {
    alert: "AuthLoginFailureSpike",
    name: "stays quiet at 10% failures",
    inputSeries: [logins("success", "0+54x20"), logins("failure", "0+6x20")],
    evalTime: "15m",
    expectedAlerts: [],
  },
  {
    alert: "TokenVerificationFailures",
    name: "fires when half the tokens are rejected",
    inputSeries: [verifications("valid", "0+30x20"), verifications("invalid", "0+30x20")],
    evalTime: "15m",
    expectedAlerts: [
      {
        labels: { severity: "critical", service: "pantry" },
        annotations: {
          summary: "pantry rejects many access tokens",
          description:
            "pantry rejected or could not verify 50% of the access tokens it checked over the last 5m (threshold 20%).",
          runbook_url: runbook("TokenVerificationFailures"),
        },
      },
    ],
  },
  {
    alert: "TokenVerificationFailures",
    name: "stays quiet at 5% rejected",
    inputSeries: [verifications("valid", "0+57x20"), verifications("invalid", "0+3x20")],
    evalTime: "15m",
    expectedAlerts: [],
  },
  {
    alert: "StoragePartitionWithoutLeader",
    name: "fires when partitions stay without a leader for a minute",
    inputSeries: [
      {
        series: 'storage_partitions_without_leader{service="storage", instance="node-a"}',
        values: "0 0 2 2 2 2",
      },
    ],
    evalTime: "5m",
    expectedAlerts: [
      {
        labels: { severity: "critical", service: "storage" },
        annotations: {
          summary: "storage has partitions without a leader",
          description:
            "2 partition(s) of storage have no elected leader: reads and writes to their keys fail until one is elected.",
          runbook_url: runbook("StoragePartitionWithoutLeader"),
        },
      },
    ],
  },
  {
    alert: "StoragePartitionWithoutLeader",
    name: "stays quiet through a short election",
    inputSeries: [
      {
        series: 'storage_partitions_without_leader{service="storage", instance="node-a"}',
        values: "0 0 1 0 0 0",
      },
    ],
    evalTime: "5m",
    expectedAlerts: [],
  },
  {
    alert: "StorageReplicationLag",
    name: "fires when a follower falls further and further behind",
    inputSeries: [
      {
        series:
          'storage_replication_lag_entries{service="storage", table="recipes", partition="3", instance="node-b"}',
        values: "0+500x20",
      },
    ],
    evalTime: "15m",
    expectedAlerts: [
      {
        labels: { severity: "warning", service: "storage", table: "recipes", partition: "3" },
        annotations: {
          summary: "A replica of partition 3 lags behind its leader",
          description:
            "A follower of partition 3 in storage trails its leader by 7500 log entries (threshold 1000).",
          runbook_url: runbook("StorageReplicationLag"),
        },
      },
    ],
  },
  {
    alert: "StorageReplicationLag",
    name: "stays quiet while followers keep up",
    inputSeries: [
      {
        series:
          'storage_replication_lag_entries{service="storage", table="recipes", partition="3", instance="node-b"}',
        values: "200x20",
      },
    ],
    evalTime: "15m",
    expectedAlerts: [],
  },
  {
    alert: "StorageRaftLogSyncSlow",
    name: "fires when a node's syncs take a quarter of a second for ten minutes",
    inputSeries: syncBuckets("0.25", 600),
    evalTime: "20m",
    expectedAlerts: [
      {
        labels: { severity: "warning", service: "storage", instance: "node-b" },
        annotations: {
          summary: "Storage node node-b syncs its Raft log slowly",
          description:
            "The 99th percentile of node-b's Raft log fdatasync over the last 5m is 248.5ms (threshold 0.1s); " +
            "every write waits for a sync on two of its partition's three nodes.",
          runbook_url: runbook("StorageRaftLogSyncSlow"),
        },
      },
    ],
  },
  {
    alert: "StorageRaftLogSyncSlow",
    name: "stays quiet while syncs take milliseconds",
    inputSeries: syncBuckets("0.01", 600),
    evalTime: "20m",
    expectedAlerts: [],
  },
  {
    alert: "StorageRaftLogSyncSlow",
    name: "stays quiet for a node that syncs a few times an hour, however slowly",
    inputSeries: syncBuckets("1", 1),
    evalTime: "20m",
    expectedAlerts: [],
  },
];

/** Raft log sync buckets of one storage node, with `perMinute` syncs a minute all taking up to `le` seconds. */
function syncBuckets(le: string, perMinute: number) {
  const labels = 'service="storage", instance="node-b"';
  const bounds = ["0.001", "0.01", "0.1", "0.25", "1", "+Inf"];
  return [
    ...bounds.map((bound) => ({
      series: `storage_raft_log_sync_seconds_bucket{${labels}, le="${bound}"}`,
      values: Number(bound) >= Number(le) || bound === "+Inf" ? `0+${perMinute}x30` : "0x30",
    })),
    { series: `storage_raft_log_sync_seconds_count{${labels}}`, values: `0+${perMinute}x30` },
  ];
}

/** The `promtool test rules` file for `cases`, loading `ruleFile` (relative to the test file). */
export function promtoolTestFile(ruleFile: string, cases: readonly AlertRuleCase[]): Record<string, unknown> {
  return {
    rule_files: [ruleFile],
    evaluation_interval: "1m",
    tests: cases.map((testCase) => ({
      name: `${testCase.alert}: ${testCase.name}`,
      interval: "1m",
      input_series: testCase.inputSeries,
      alert_rule_test: [
        {
          eval_time: testCase.evalTime,
          alertname: testCase.alert,
          exp_alerts: testCase.expectedAlerts.map((expected) => ({
            exp_labels: expected.labels,
            exp_annotations: expected.annotations,
          })),
        },
      ],
    })),
  };
}
