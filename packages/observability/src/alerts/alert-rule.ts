/** What an alert rule of the platform is made of, before it is rendered into a Prometheus rule file. */

export type AlertSeverity = "critical" | "warning";

/** The part of the platform a rule watches; rules of one part share a rule group. */
export type PlatformPart = "platform" | "storage" | "auth-center" | "pantry";

export interface AlertRule {
  /** CamelCase name; its runbook is `docs/runbooks/<alert>.md`. */
  alert: string;
  part: PlatformPart;
  /** PromQL; every series it returns is one alert. */
  expr: string;
  /** Time the expression must keep returning a series before the alert fires, in seconds. */
  forSeconds: number;
  severity: AlertSeverity;
  /** One line; may use `{{ $labels.name }}`. */
  summary: string;
  /** A few sentences; may use `{{ $labels.name }}` and `{{ $value }}` with Prometheus's template functions. */
  description: string;
}
