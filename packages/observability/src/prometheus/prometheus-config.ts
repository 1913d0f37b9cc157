/**
 * Generates `prometheus.yml`: one scrape job whose targets come from file-based service discovery
 * (`<dir>/targets/*.json`, rewritten by `writeScrapeTargets` as services start and stop), the platform's
 * rule files, and the Alertmanager to send alerts to.
 */
import { resolve } from "node:path";
import { stringify } from "yaml";
import { InvalidOptionError } from "../errors.js";
import { writeFileAtomically } from "../files/write-file-atomically.js";
import { checkDurationSeconds, prometheusDuration } from "./durations.js";
import { targetsDirectory } from "./scrape-targets.js";

/** The scrape job every service target belongs to (the `job` label of its series). */
export const scrapeJobName = "hakobune";
/** File name of the generated configuration inside `dir`. */
export const prometheusConfigFileName = "prometheus.yml";
/** Default time between scrapes and between rule evaluations, in seconds (Prometheus's own default). */
export const defaultScrapeIntervalSeconds = 15;
/** Longest a scrape may take, in seconds; capped at the scrape interval. */
export const defaultScrapeTimeoutSeconds = 10;
/** How often the targets files are re-read besides on change notifications, in seconds. */
export const targetsRefreshIntervalSeconds = 30;

export interface PrometheusConfigOptions {
  /** Directory holding `prometheus.yml` and `targets/`. */
  dir: string;
  /** Time between scrapes, in seconds. Default: 15. */
  scrapeIntervalSeconds?: number;
  /** Time between rule evaluations, in seconds. Default: the scrape interval. */
  evaluationIntervalSeconds?: number;
  /** Alertmanager base URL, e.g. `http://127.0.0.1:9093`. Default: none (alerts are evaluated, not sent). */
  alertmanagerUrl?: string;
  /** Rule files to load; relative paths are relative to `dir`. Default: none. */
  ruleFiles?: readonly string[];
}

/** The configuration as a plain object, ready to be serialized as YAML. */
export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  const scrapeIntervalSeconds = checkDurationSeconds(
    "scrapeIntervalSeconds",
    options.scrapeIntervalSeconds ?? defaultScrapeIntervalSeconds,
  );
  const evaluationIntervalSeconds = checkDurationSeconds(
    "evaluationIntervalSeconds",
    options.evaluationIntervalSeconds ?? scrapeIntervalSeconds,
  );
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: prometheusDuration(scrapeIntervalSeconds),
      scrape_timeout: prometheusDuration(Math.min(defaultScrapeTimeoutSeconds, scrapeIntervalSeconds)),
      evaluation_interval: prometheusDuration(evaluationIntervalSeconds),
    },
    rule_files: [...(options.ruleFiles ?? [])],
    scrape_configs: [
      {
        job_name: scrapeJobName,
        // Services label their own series with `service`; honouring it keeps one `service` label instead
        // of renaming the service's to `exported_service` next to the target's identical one.
        honor_labels: true,
        file_sd_configs: [
          {
            files: [resolve(targetsDirectory(options.dir), "*.json")],
            refresh_interval: prometheusDuration(targetsRefreshIntervalSeconds),
          },
        ],
      },
    ],
  };
  if (options.alertmanagerUrl !== undefined) config.alerting = alertingSection(options.alertmanagerUrl);
  return config;
}

/** Writes `<dir>/prometheus.yml` and returns its path. */
export async function writePrometheusConfig(options: PrometheusConfigOptions): Promise<string> {
  const path = resolve(options.dir, prometheusConfigFileName);
  await writeFileAtomically(path, stringify(prometheusConfig(options)));
  return path;
}

function alertingSection(alertmanagerUrl: string): Record<string, unknown> {
  let url: URL;
  try {
    url = new URL(alertmanagerUrl);
  } catch {
    throw new InvalidOptionError(
      `alertmanagerUrl must be an absolute URL, got ${JSON.stringify(alertmanagerUrl)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidOptionError(`alertmanagerUrl must be an http or https URL, got ${alertmanagerUrl}`);
  }
  return {
    alertmanagers: [
      {
        scheme: url.protocol.slice(0, -1),
        path_prefix: url.pathname,
        static_configs: [{ targets: [url.host] }],
      },
    ],
  };
}
