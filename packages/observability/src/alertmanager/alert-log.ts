/**
 * The alerts the receiver has heard of, newest first: the latest state of each alert (keyed by its
 * fingerprint), at most `maxAlerts` of them; the alert updated longest ago is forgotten first.
 */
import { InvalidOptionError } from "../errors.js";
import type { AlertStatus, WebhookAlert } from "./webhook-payload.js";

/** Default number of alerts kept. */
export const defaultMaxAlerts = 1_000;
/** Largest `maxAlerts` accepted. */
export const maxAlertsLimit = 100_000;

export interface RecordedAlert {
  fingerprint: string;
  alertname: string;
  status: AlertStatus;
  /** `labels.severity`, or `null` without one. */
  severity: string | null;
  /** `labels.service`, or `null` without one. */
  service: string | null;
  summary: string | null;
  description: string | null;
  /** `annotations.runbook_url`: where to read what to do. */
  runbookUrl: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** `null` while the alert fires with no known end. */
  endsAt: string | null;
  generatorUrl: string | null;
  /** When the receiver last heard of this alert (ISO 8601). */
  receivedAt: string;
}

/** Alertmanager's "no end time" (Go's zero time). */
const zeroTime = "0001-01-01T00:00:00Z";

export class AlertLog {
  readonly maxAlerts: number;
  #alerts = new Map<string, RecordedAlert>();

  constructor(maxAlerts = defaultMaxAlerts) {
    if (!Number.isSafeInteger(maxAlerts) || maxAlerts < 1 || maxAlerts > maxAlertsLimit) {
      throw new InvalidOptionError(
        `maxAlerts must be an integer from 1 to ${maxAlertsLimit}, got ${maxAlerts}`,
      );
    }
    this.maxAlerts = maxAlerts;
  }

  get size(): number {
    return this.#alerts.size;
  }

  record(alert: WebhookAlert, receivedAt: Date): void {
    // Deleting first moves the alert to the end of the insertion order: the map stays ordered by update.
    this.#alerts.delete(alert.fingerprint);
    this.#alerts.set(alert.fingerprint, recordedAlert(alert, receivedAt));
    for (const oldest of this.#alerts.keys()) {
      if (this.#alerts.size <= this.maxAlerts) break;
      this.#alerts.delete(oldest);
    }
  }

  /** The alerts, most recently updated first, optionally only those with `status`. */
  list(status?: AlertStatus): RecordedAlert[] {
    const alerts = [...this.#alerts.values()].reverse();
    return status === undefined ? alerts : alerts.filter((alert) => alert.status === status);
  }
}

function recordedAlert(alert: WebhookAlert, receivedAt: Date): RecordedAlert {
  const { labels, annotations } = alert;
  return {
    fingerprint: alert.fingerprint,
    alertname: labels.alertname ?? "",
    status: alert.status,
    severity: labels.severity ?? null,
    service: labels.service ?? null,
    summary: annotations.summary ?? null,
    description: annotations.description ?? null,
    runbookUrl: annotations.runbook_url ?? null,
    labels,
    annotations,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt === zeroTime ? null : alert.endsAt,
    generatorUrl: alert.generatorURL ?? null,
    receivedAt: receivedAt.toISOString(),
  };
}
