/**
 * The body Alertmanager posts to a webhook receiver (payload version 4), as TypeScript types and as the
 * JSON schema the alert receiver validates it with. Every string, map and list has a bound.
 */

/** Most alerts one payload may carry (Alertmanager sends at most `maxAlertsPerNotification`, 100). */
export const maxAlertsPerPayload = 1_000;
/** Most labels or annotations per alert. */
export const maxLabelsPerAlert = 64;
/** Longest label name, in characters. */
export const maxLabelNameChars = 128;
/** Longest label or annotation value, in characters. */
export const maxLabelValueChars = 4_096;

export type AlertStatus = "firing" | "resolved";

export interface WebhookAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339 timestamps; `endsAt` is `0001-01-01T00:00:00Z` while an alert fires with no known end. */
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  /** Identifies the alert (a hash of its labels). */
  fingerprint: string;
}

export interface WebhookPayload {
  version: "4";
  groupKey: string;
  truncatedAlerts?: number;
  status: AlertStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

const boundedString = { type: "string", maxLength: maxLabelValueChars } as const;

const labelMap = {
  type: "object",
  maxProperties: maxLabelsPerAlert,
  propertyNames: { maxLength: maxLabelNameChars },
  additionalProperties: boundedString,
} as const;

const status = { type: "string", enum: ["firing", "resolved"] } as const;

const alertSchema = {
  type: "object",
  required: ["status", "labels", "annotations", "startsAt", "endsAt", "fingerprint"],
  properties: {
    status,
    labels: { ...labelMap, required: ["alertname"] },
    annotations: labelMap,
    startsAt: { type: "string", maxLength: 64 },
    endsAt: { type: "string", maxLength: 64 },
    generatorURL: boundedString,
    fingerprint: { type: "string", minLength: 1, maxLength: 64 },
  },
} as const;

/** JSON schema of `WebhookPayload`. Unknown extra fields are allowed: later payload versions add some. */
export const webhookPayloadSchema = {
  type: "object",
  required: [
    "version",
    "groupKey",
    "status",
    "receiver",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "externalURL",
    "alerts",
  ],
  properties: {
    version: { type: "string", const: "4" },
    groupKey: boundedString,
    truncatedAlerts: { type: "integer", minimum: 0 },
    status,
    receiver: boundedString,
    groupLabels: labelMap,
    commonLabels: labelMap,
    commonAnnotations: labelMap,
    externalURL: boundedString,
    alerts: { type: "array", maxItems: maxAlertsPerPayload, items: alertSchema },
  },
} as const;
