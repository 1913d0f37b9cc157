/**
 * The platform's alert rules, as data. Thresholds are named below; each rule's runbook
 * (`docs/runbooks/<alert>.md`) explains the expression, how to confirm and what to do.
 *
 * Ratios carry a minimum-traffic guard so that one failed request out of three at night does not page
 * anyone: a ratio alert needs at least `minRequestsPerSecond` of traffic over its window.
 */
import type { AlertRule } from "./alert-rule.js";

/** Window of every rate in these rules. */
const window = "5m";
/** Traffic below this, in requests (or operations, logins, verifications) per second, is too thin to judge. */
const minRequestsPerSecond = 0.1;
/** Share of a service's responses with a 5xx status that is too much. */
const maxServerErrorRatio = 0.05;
/** 99th percentile response time that is too slow, in seconds. */
const maxP99LatencySeconds = 1;
/** Share of storage operations failing with a server error that is too much. */
const maxStorageServerErrorRatio = 0.01;
/** Share of a table's storage operations refused by throttling that is too much. */
const maxStorageThrottledRatio = 0.05;
/** Share of login attempts failing or throttled that marks a spike (with at least `minFailedLoginsPerSecond`). */
const maxFailedLoginRatio = 0.5;
/** Failed logins per second below which a high ratio is still just a few people mistyping. */
const minFailedLoginsPerSecond = 0.2;
/** Share of access tokens pantry rejects or cannot verify that is too much. */
const maxRejectedTokenRatio = 0.2;
/** Log entries a follower may trail its partition's leader by. */
const maxReplicationLagEntries = 1_000;
/** 99th percentile of a storage node's Raft log sync that is too slow, in seconds (a local SSD: 0.1–2 ms). */
const maxRaftLogSyncP99Seconds = 0.1;
/** Syncs per second below which a node's sync times are too few to judge. */
const minRaftLogSyncsPerSecond = 0.1;

/** DynamoDB error types that mean the server failed (as opposed to a bad request). */
const storageServerErrors = "InternalServerError|ServiceUnavailable";
/** DynamoDB error types that mean the request was refused for its rate. */
const storageThrottles = "ProvisionedThroughputExceededException|ThrottlingException|RequestLimitExceeded";

/** `sum by (labels) (rate(selector[window]))`. */
function rateBy(labels: string, selector: string): string {
  return `sum by (${labels}) (rate(${selector}[${window}]))`;
}

export const platformAlertRules: readonly AlertRule[] = [
  {
    alert: "TargetDown",
    part: "platform",
    expr: "up == 0",
    forSeconds: 60,
    severity: "critical",
    summary: "{{ $labels.service }} is down",
    description:
      "Prometheus cannot scrape {{ $labels.service }} at {{ $labels.instance }}: the process has exited, " +
      "hangs, or does not answer /metrics.",
  },
  {
    alert: "HighHttp5xxRatio",
    part: "platform",
    expr: [
      `(${rateBy("service", 'http_requests_total{status=~"5.."}')}`,
      `  / ${rateBy("service", "http_requests_total")}) > ${maxServerErrorRatio}`,
      `and on (service) ${rateBy("service", "http_requests_total")} > ${minRequestsPerSecond}`,
    ].join("\n"),
    forSeconds: 120,
    severity: "critical",
    summary: "{{ $labels.service }} answers many requests with 5xx",
    description:
      "{{ $value | humanizePercentage }} of the requests {{ $labels.service }} answered over the last " +
      `${window} had a 5xx status (threshold ${maxServerErrorRatio * 100}%).`,
  },
  {
    alert: "HighHttpP99Latency",
    part: "platform",
    expr: [
      `histogram_quantile(0.99, ${rateBy("service, le", 'http_request_duration_seconds_bucket{route!="unmatched"}')})`,
      `  > ${maxP99LatencySeconds}`,
      `and on (service) ${rateBy("service", 'http_request_duration_seconds_count{route!="unmatched"}')} > ${minRequestsPerSecond}`,
    ].join("\n"),
    forSeconds: 600,
    severity: "warning",
    summary: "{{ $labels.service }} is slow",
    description:
      "The 99th percentile of {{ $labels.service }}'s response time over the last " +
      `${window} is {{ $value | humanizeDuration }} (threshold ${maxP99LatencySeconds}s).`,
  },
  {
    alert: "StorageServerErrors",
    part: "storage",
    expr: [
      `(${rateBy("service", `storage_operations_total{outcome=~"${storageServerErrors}"}`)}`,
      `  / ${rateBy("service", "storage_operations_total")}) > ${maxStorageServerErrorRatio}`,
      `and on (service) ${rateBy("service", "storage_operations_total")} > ${minRequestsPerSecond}`,
    ].join("\n"),
    forSeconds: 120,
    severity: "critical",
    summary: "{{ $labels.service }} fails operations with server errors",
    description:
      "{{ $value | humanizePercentage }} of {{ $labels.service }}'s operations over the last " +
      `${window} failed with InternalServerError or ServiceUnavailable (threshold ${maxStorageServerErrorRatio * 100}%).`,
  },
  {
    alert: "StorageThrottling",
    part: "storage",
    expr: [
      `(${rateBy("service, table", `storage_operations_total{outcome=~"${storageThrottles}"}`)}`,
      `  / ${rateBy("service, table", "storage_operations_total")}) > ${maxStorageThrottledRatio}`,
      `and on (service, table) ${rateBy("service, table", "storage_operations_total")} > ${minRequestsPerSecond}`,
    ].join("\n"),
    forSeconds: 300,
    severity: "warning",
    summary: "{{ $labels.service }} throttles operations on table {{ $labels.table }}",
    description:
      "{{ $value | humanizePercentage }} of the operations on table {{ $labels.table }} over the last " +
      `${window} were refused for their rate (threshold ${maxStorageThrottledRatio * 100}%).`,
  },
  {
    alert: "AuthLoginFailureSpike",
    part: "auth-center",
    expr: [
      `(${rateBy("service", 'auth_logins_total{result=~"failure|throttled"}')}`,
      `  / ${rateBy("service", "auth_logins_total")}) > ${maxFailedLoginRatio}`,
      `and on (service) ${rateBy("service", 'auth_logins_total{result=~"failure|throttled"}')} > ${minFailedLoginsPerSecond}`,
    ].join("\n"),
    forSeconds: 300,
    severity: "warning",
    summary: "Most logins at {{ $labels.service }} fail",
    description:
      "{{ $value | humanizePercentage }} of the login attempts at {{ $labels.service }} over the last " +
      `${window} failed or were throttled (threshold ${maxFailedLoginRatio * 100}%): ` +
      "a password-guessing attack, or a broken login page or account store.",
  },
  {
    alert: "TokenVerificationFailures",
    part: "pantry",
    expr: [
      `(${rateBy("service", 'resource_token_verifications_total{result!="valid"}')}`,
      `  / ${rateBy("service", "resource_token_verifications_total")}) > ${maxRejectedTokenRatio}`,
      `and on (service) ${rateBy("service", "resource_token_verifications_total")} > ${minRequestsPerSecond}`,
    ].join("\n"),
    forSeconds: 300,
    severity: "critical",
    summary: "{{ $labels.service }} rejects many access tokens",
    description:
      "{{ $labels.service }} rejected or could not verify {{ $value | humanizePercentage }} of the access " +
      `tokens it checked over the last ${window} (threshold ${maxRejectedTokenRatio * 100}%).`,
  },
  {
    alert: "StoragePartitionWithoutLeader",
    part: "storage",
    expr: "max by (service) (storage_partitions_without_leader) > 0",
    forSeconds: 60,
    severity: "critical",
    summary: "{{ $labels.service }} has partitions without a leader",
    description:
      "{{ $value }} partition(s) of {{ $labels.service }} have no elected leader: reads and writes to " +
      "their keys fail until one is elected.",
  },
  {
    alert: "StorageReplicationLag",
    part: "storage",
    expr: `max by (service, table, partition) (storage_replication_lag_entries) > ${maxReplicationLagEntries}`,
    forSeconds: 300,
    severity: "warning",
    summary: "A replica of partition {{ $labels.partition }} lags behind its leader",
    description:
      "A follower of partition {{ $labels.partition }} in {{ $labels.service }} trails its leader by " +
      `{{ $value }} log entries (threshold ${maxReplicationLagEntries}).`,
  },
  {
    alert: "StorageRaftLogSyncSlow",
    part: "storage",
    expr: [
      `histogram_quantile(0.99, ${rateBy("service, instance, le", "storage_raft_log_sync_seconds_bucket")})`,
      `  > ${maxRaftLogSyncP99Seconds}`,
      `and on (service, instance) ${rateBy("service, instance", "storage_raft_log_sync_seconds_count")} > ${minRaftLogSyncsPerSecond}`,
    ].join("\n"),
    forSeconds: 600,
    severity: "warning",
    summary: "Storage node {{ $labels.instance }} syncs its Raft log slowly",
    description:
      "The 99th percentile of {{ $labels.instance }}'s Raft log fdatasync over the last " +
      `${window} is {{ $value | humanizeDuration }} (threshold ${maxRaftLogSyncP99Seconds}s); every write ` +
      "waits for a sync on two of its partition's three nodes.",
  },
];
