/**
 * The scrape targets file of Prometheus's file-based service discovery: `<dir>/targets/services.json`,
 * replaced atomically whenever the set of running services changes. Prometheus notices the change by
 * itself; no reload is needed.
 */
import { resolve } from "node:path";
import { InvalidScrapeTargetError } from "../errors.js";
import { writeFileAtomically } from "../files/write-file-atomically.js";

/** Most targets one file may list. */
export const maxScrapeTargets = 1_000;
/** Longest service name, in characters. */
export const maxServiceNameChars = 63;
/** The path a target's metrics are scraped from, relative to its URL. */
export const defaultMetricsPath = "/metrics";
/** File name of the targets file inside `<dir>/targets`. */
export const targetsFileName = "services.json";

/** Service names become the `service` label: lowercase DNS-label style, so cardinality and escaping stay simple. */
const serviceNamePattern = /^[a-z][a-z0-9-]*$/;

export interface ScrapeTarget {
  /** The service's name, its `service` label. */
  service: string;
  /** The service's base URL, e.g. `http://127.0.0.1:8082`; metrics are scraped from `<url>/metrics`. */
  url: string;
  /** Overrides the path scraped. Default: `<url path>/metrics`. */
  metricsPath?: string;
}

/** A target group in the format `file_sd_configs` reads. */
export interface FileSdTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export function targetsDirectory(dir: string): string {
  return resolve(dir, "targets");
}

/** The target groups for `targets`, one per target; throws `InvalidScrapeTargetError` on a bad one. */
export function fileSdTargetGroups(targets: readonly ScrapeTarget[]): FileSdTargetGroup[] {
  if (targets.length > maxScrapeTargets) {
    throw new InvalidScrapeTargetError(
      `at most ${maxScrapeTargets} scrape targets are allowed, got ${targets.length}`,
    );
  }
  const seen = new Set<string>();
  return targets.map((target) => {
    const group = targetGroup(target);
    const key = `${group.labels.__scheme__}://${group.targets[0]}${group.labels.__metrics_path__}`;
    if (seen.has(key)) throw new InvalidScrapeTargetError(`the scrape target ${key} is listed twice`);
    seen.add(key);
    return group;
  });
}

/** Replaces the targets file with `targets` (an empty list scrapes nothing) and returns its path. */
export async function writeScrapeTargets(dir: string, targets: readonly ScrapeTarget[]): Promise<string> {
  const path = resolve(targetsDirectory(dir), targetsFileName);
  await writeFileAtomically(path, `${JSON.stringify(fileSdTargetGroups(targets), null, 2)}\n`);
  return path;
}

function targetGroup(target: ScrapeTarget): FileSdTargetGroup {
  const { service } = target;
  if (
    typeof service !== "string" ||
    service.length > maxServiceNameChars ||
    !serviceNamePattern.test(service)
  ) {
    throw new InvalidScrapeTargetError(
      `a service name must be 1 to ${maxServiceNameChars} characters of a-z, 0-9 and "-", starting with a letter, got ${JSON.stringify(service)}`,
    );
  }
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new InvalidScrapeTargetError(
      `the URL of ${service} is not an absolute URL: ${JSON.stringify(target.url)}`,
    );
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
    throw new InvalidScrapeTargetError(
      `the URL of ${service} must be http or https with no query or fragment, got ${target.url}`,
    );
  }
  const metricsPath = target.metricsPath ?? `${url.pathname.replace(/\/+$/, "")}${defaultMetricsPath}`;
  if (!metricsPath.startsWith("/")) {
    throw new InvalidScrapeTargetError(
      `the metrics path of ${service} must start with "/", got ${metricsPath}`,
    );
  }
  return {
    targets: [url.host],
    labels: { service, __scheme__: url.protocol.slice(0, -1), __metrics_path__: metricsPath },
  };
}
