/**
 * Writes every platform dashboard as Grafana JSON, with the provisioning files that make a Grafana load
 * them and the Prometheus data source they query:
 *
 * ```
 * <dir>/dashboards/<uid>.json
 * <dir>/provisioning/datasources/hakobune.yaml
 * <dir>/provisioning/dashboards/hakobune.yaml   (points Grafana at <dir>/dashboards)
 * ```
 */
import { resolve } from "node:path";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { stringify } from "yaml";
import { InvalidOptionError } from "../errors.js";
import { writeFileAtomically } from "../files/write-file-atomically.js";
import { buildDashboard, type DashboardSpec } from "./dashboard-spec.js";
import { prometheusDatasourceName, prometheusDatasourceUid } from "./datasource.js";
import { platformOverview } from "./platform-overview.js";
import {
  anyServiceDashboard,
  authCenterDashboard,
  pantryDashboard,
  storageDashboard,
} from "./service-dashboards.js";

/** The dashboards `exportDashboards` writes, overview first. */
export const platformDashboardSpecs: readonly DashboardSpec[] = [
  platformOverview,
  anyServiceDashboard,
  storageDashboard,
  authCenterDashboard,
  pantryDashboard,
];

/** Grafana folder the dashboards appear in. */
export const grafanaFolder = "Hakobune";
/** How often Grafana looks for changed dashboard files, in seconds. */
export const dashboardsUpdateIntervalSeconds = 30;

export interface ExportDashboardsOptions {
  /** URL Grafana reaches Prometheus at. Default: `http://127.0.0.1:9090`. */
  prometheusUrl?: string;
}

export interface ExportedDashboards {
  /** Paths of the dashboard JSON files. */
  dashboards: string[];
  /** Paths of the provisioning files (data source, dashboard provider). */
  provisioning: string[];
}

/** The platform dashboards as Grafana dashboard models. */
export function platformDashboards(): Dashboard[] {
  return platformDashboardSpecs.map(buildDashboard);
}

export async function exportDashboards(
  dir: string,
  options: ExportDashboardsOptions = {},
): Promise<ExportedDashboards> {
  const prometheusUrl = options.prometheusUrl ?? "http://127.0.0.1:9090";
  if (!/^https?:\/\/[^\s]+$/.test(prometheusUrl)) {
    throw new InvalidOptionError(
      `prometheusUrl must be an http or https URL, got ${JSON.stringify(prometheusUrl)}`,
    );
  }
  const dashboardsDir = resolve(dir, "dashboards");
  const dashboards: string[] = [];
  for (const dashboard of platformDashboards()) {
    const path = resolve(dashboardsDir, `${dashboard.uid}.json`);
    await writeFileAtomically(path, `${JSON.stringify(dashboard, null, 2)}\n`);
    dashboards.push(path);
  }
  const datasources = resolve(dir, "provisioning", "datasources", "hakobune.yaml");
  await writeFileAtomically(datasources, stringify(datasourceProvisioning(prometheusUrl)));
  const providers = resolve(dir, "provisioning", "dashboards", "hakobune.yaml");
  await writeFileAtomically(providers, stringify(dashboardProvisioning(dashboardsDir)));
  return { dashboards, provisioning: [datasources, providers] };
}

export function datasourceProvisioning(prometheusUrl: string): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: prometheusDatasourceName,
        uid: prometheusDatasourceUid,
        type: "prometheus",
        access: "proxy",
        url: prometheusUrl,
        editable: false,
      },
    ],
  };
}

export function dashboardProvisioning(dashboardsDir: string): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "hakobune",
        folder: grafanaFolder,
        type: "file",
        disableDeletion: false,
        allowUiUpdates: false,
        updateIntervalSeconds: dashboardsUpdateIntervalSeconds,
        options: { path: dashboardsDir, foldersFromFilesStructure: false },
      },
    ],
  };
}
