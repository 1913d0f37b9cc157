/**
 * Observability for Hakobune: the real Prometheus and Alertmanager with generated configuration, the
 * platform's alert rules (each with a runbook), the webhook receiver alerts arrive at, and Grafana
 * dashboards as code. Other packages import only from here.
 */

export type { RecordedAlert } from "./alertmanager/alert-log.js";
export { defaultMaxAlerts } from "./alertmanager/alert-log.js";
export type {
  AlertReceiver,
  AlertReceiverOptions,
  RunningAlertReceiver,
  StartAlertReceiverOptions,
} from "./alertmanager/alert-receiver.js";
export {
  createAlertReceiver,
  defaultAlertReceiverPort,
  startAlertReceiver,
} from "./alertmanager/alert-receiver.js";
export type { AlertmanagerConfigOptions } from "./alertmanager/alertmanager-config.js";
export {
  alertmanagerConfig,
  alertmanagerConfigFileName,
  writeAlertmanagerConfig,
} from "./alertmanager/alertmanager-config.js";
export type { StartAlertmanagerOptions } from "./alertmanager/start-alertmanager.js";
export { defaultAlertmanagerPort, startAlertmanager } from "./alertmanager/start-alertmanager.js";
export type { AlertStatus, WebhookAlert, WebhookPayload } from "./alertmanager/webhook-payload.js";
export { webhookPayloadSchema } from "./alertmanager/webhook-payload.js";
export type { AlertRule, AlertSeverity, PlatformPart } from "./alerts/alert-rule.js";
export { platformAlertRules } from "./alerts/platform-alerts.js";
export type { RuleFileOptions, RuleGroup } from "./alerts/rule-file.js";
export {
  alertRuleGroups,
  alertRulesFileName,
  renderAlertRules,
  writeAlertRules,
} from "./alerts/rule-file.js";
export { runbooksDirectory, runbookUrl } from "./alerts/runbook-url.js";
export type { DashboardSection, DashboardSpec, PanelQuery, PanelSpec } from "./dashboards/dashboard-spec.js";
export { buildDashboard } from "./dashboards/dashboard-spec.js";
export { prometheusDatasourceUid } from "./dashboards/datasource.js";
export type { ExportDashboardsOptions, ExportedDashboards } from "./dashboards/export-dashboards.js";
export {
  exportDashboards,
  platformDashboardSpecs,
  platformDashboards,
} from "./dashboards/export-dashboards.js";
export type { ObservabilityErrorCode } from "./errors.js";
export {
  BinaryNotInstalledError,
  InvalidOptionError,
  InvalidScrapeTargetError,
  ObservabilityError,
  observabilityErrorCodes,
  ProcessStartError,
  ReloadFailedError,
} from "./errors.js";
export type { ManagedProcess } from "./process/managed-process.js";
export type { FindBinariesOptions, PrometheusBinaries } from "./prometheus/binaries.js";
export { findPrometheusBinaries, installCommand } from "./prometheus/binaries.js";
export type { PrometheusConfigOptions } from "./prometheus/prometheus-config.js";
export {
  prometheusConfig,
  prometheusConfigFileName,
  scrapeJobName,
  writePrometheusConfig,
} from "./prometheus/prometheus-config.js";
export type { FileSdTargetGroup, ScrapeTarget } from "./prometheus/scrape-targets.js";
export { fileSdTargetGroups, maxScrapeTargets, writeScrapeTargets } from "./prometheus/scrape-targets.js";
export type { RunningPrometheus, StartPrometheusOptions } from "./prometheus/start-prometheus.js";
export { defaultPrometheusPort, startPrometheus } from "./prometheus/start-prometheus.js";
