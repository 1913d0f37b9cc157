/**
 * The webhook receiver Alertmanager notifies: a service-kit app with `POST /alerts` (an Alertmanager
 * webhook payload, version 4, validated by schema) recording each alert's latest state in a bounded
 * in-memory log, and `GET /alerts` listing them, firing and resolved, with their runbook URLs.
 */
import {
  createService,
  type LogLevel,
  type RunningService,
  type Service,
  startService,
} from "@hakobune/service-kit";
import { Counter, Gauge } from "prom-client";
import { AlertLog, defaultMaxAlerts, type RecordedAlert } from "./alert-log.js";
import { type AlertStatus, type WebhookPayload, webhookPayloadSchema } from "./webhook-payload.js";

/** The receiver's default port (9093 is Alertmanager's, 9094 its cluster port). */
export const defaultAlertReceiverPort = 9095;
/** Largest notification body accepted, in bytes: 100 alerts of several kilobytes each fit easily. */
export const defaultAlertReceiverBodyLimitBytes = 1_048_576;

export interface AlertReceiverOptions {
  /** Alerts kept in memory; the one updated longest ago is forgotten first. Default: 1000. */
  maxAlerts?: number;
  /** Largest notification body, in bytes; larger ones get 413. Default: 1048576 (1 MiB). */
  bodyLimitBytes?: number;
  /** Default: `info`. */
  logLevel?: LogLevel;
  /** `false` silences the log. Default: `true`. */
  logger?: boolean;
}

export interface AlertReceiver {
  readonly service: Service;
  /** The alerts received, most recently updated first. */
  alerts(status?: AlertStatus): RecordedAlert[];
}

export interface StartAlertReceiverOptions extends AlertReceiverOptions {
  /** TCP port; 0 picks a free one. Default: 9095. */
  port?: number;
  /** Interface to listen on. Default: `127.0.0.1`. */
  host?: string;
}

export interface RunningAlertReceiver extends RunningService {
  /** The URL to give Alertmanager as its webhook: `<url>/alerts`. */
  readonly webhookUrl: string;
  alerts(status?: AlertStatus): RecordedAlert[];
}

const alertsQuerySchema = {
  type: "object",
  properties: { status: { type: "string", enum: ["firing", "resolved"] } },
  additionalProperties: false,
} as const;

export function createAlertReceiver(options: AlertReceiverOptions = {}): AlertReceiver {
  const log = new AlertLog(options.maxAlerts ?? defaultMaxAlerts);
  const service = createService({
    name: "alert-receiver",
    bodyLimitBytes: options.bodyLimitBytes ?? defaultAlertReceiverBodyLimitBytes,
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const received = new Counter({
    name: "alert_receiver_alerts_received_total",
    help: "Alerts received in Alertmanager notifications, by their status.",
    labelNames: ["status"],
    registers: [service.registry],
  });
  new Gauge({
    name: "alert_receiver_alerts_stored",
    help: "Alerts held in memory (at most maxAlerts).",
    registers: [service.registry],
    collect() {
      this.set(log.size);
    },
  });

  service.app.post<{ Body: WebhookPayload }>(
    "/alerts",
    { schema: { body: webhookPayloadSchema } },
    async (request, reply) => {
      const receivedAt = new Date();
      for (const alert of request.body.alerts) {
        log.record(alert, receivedAt);
        received.inc({ status: alert.status });
      }
      request.log.info(
        { groupKey: request.body.groupKey, status: request.body.status, alerts: request.body.alerts.length },
        "alert notification received",
      );
      return reply.code(202).send({ accepted: request.body.alerts.length });
    },
  );
  service.app.get<{ Querystring: { status?: AlertStatus } }>(
    "/alerts",
    { schema: { querystring: alertsQuerySchema } },
    async (request) => {
      const alerts = log.list(request.query.status);
      return {
        firing: alerts.filter((alert) => alert.status === "firing").length,
        resolved: alerts.filter((alert) => alert.status === "resolved").length,
        alerts,
      };
    },
  );
  return { service, alerts: (status) => log.list(status) };
}

/** Starts the receiver on `port` (default 9095) and returns its handle; `close()` stops it. */
export async function startAlertReceiver(
  options: StartAlertReceiverOptions = {},
): Promise<RunningAlertReceiver> {
  const receiver = createAlertReceiver(options);
  const running = await startService(receiver.service, {
    port: options.port ?? defaultAlertReceiverPort,
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  return {
    url: running.url,
    port: running.port,
    webhookUrl: `${running.url}/alerts`,
    close: () => running.close(),
    alerts: receiver.alerts,
  };
}
