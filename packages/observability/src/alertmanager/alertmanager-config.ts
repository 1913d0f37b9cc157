/**
 * Generates `alertmanager.yml`: every alert goes to one webhook receiver of ours (the alert receiver),
 * grouped by alert name and service, with resolved notifications too.
 */
import { resolve } from "node:path";
import { stringify } from "yaml";
import { InvalidOptionError } from "../errors.js";
import { writeFileAtomically } from "../files/write-file-atomically.js";
import { checkDurationSeconds, prometheusDuration } from "../prometheus/durations.js";

/** File name of the generated configuration inside `dir`. */
export const alertmanagerConfigFileName = "alertmanager.yml";
/** The receiver every route ends at. */
export const webhookReceiverName = "hakobune-alert-receiver";
/** Labels alerts are grouped by into one notification. */
export const alertGroupLabels = ["alertname", "service"] as const;
/** Most alerts one webhook notification carries (the rest are counted in `truncatedAlerts`). */
export const maxAlertsPerNotification = 100;

/** Alertmanager's own defaults, in seconds. */
export const defaultGroupWaitSeconds = 30;
export const defaultGroupIntervalSeconds = 300;
export const defaultRepeatIntervalSeconds = 4 * 60 * 60;

export interface AlertmanagerConfigOptions {
  /** URL Alertmanager posts notifications to, e.g. `http://127.0.0.1:9095/alerts`. */
  webhookUrl: string;
  /** Time a new group waits for more alerts before its first notification, in seconds. Default: 30. */
  groupWaitSeconds?: number;
  /** Time between notifications about changes in a group, in seconds. Default: 300. */
  groupIntervalSeconds?: number;
  /** Time before a notification that did not change is sent again, in seconds. Default: 14400 (4 h). */
  repeatIntervalSeconds?: number;
}

export function alertmanagerConfig(options: AlertmanagerConfigOptions): Record<string, unknown> {
  let url: URL;
  try {
    url = new URL(options.webhookUrl);
  } catch {
    throw new InvalidOptionError(
      `webhookUrl must be an absolute URL, got ${JSON.stringify(options.webhookUrl)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidOptionError(`webhookUrl must be an http or https URL, got ${options.webhookUrl}`);
  }
  const groupWait = checkDurationSeconds(
    "groupWaitSeconds",
    options.groupWaitSeconds ?? defaultGroupWaitSeconds,
    0,
  );
  const groupInterval = checkDurationSeconds(
    "groupIntervalSeconds",
    options.groupIntervalSeconds ?? defaultGroupIntervalSeconds,
  );
  const repeatInterval = checkDurationSeconds(
    "repeatIntervalSeconds",
    options.repeatIntervalSeconds ?? defaultRepeatIntervalSeconds,
  );
  return {
    route: {
      receiver: webhookReceiverName,
      group_by: [...alertGroupLabels],
      group_wait: prometheusDuration(groupWait),
      group_interval: prometheusDuration(groupInterval),
      repeat_interval: prometheusDuration(repeatInterval),
    },
    receivers: [
      {
        name: webhookReceiverName,
        webhook_configs: [{ url: url.href, send_resolved: true, max_alerts: maxAlertsPerNotification }],
      },
    ],
  };
}

/** Writes `<dir>/alertmanager.yml` and returns its path. */
export async function writeAlertmanagerConfig(
  dir: string,
  options: AlertmanagerConfigOptions,
): Promise<string> {
  const path = resolve(dir, alertmanagerConfigFileName);
  await writeFileAtomically(path, stringify(alertmanagerConfig(options)));
  return path;
}
