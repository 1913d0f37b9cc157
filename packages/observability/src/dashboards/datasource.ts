/**
 * The Prometheus data source every generated dashboard queries, referenced by a fixed uid that the
 * generated data source provisioning file creates, so dashboards work in a Grafana with no clicking.
 */
import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/dashboard";

export const prometheusDatasourceUid = "hakobune-prometheus";
export const prometheusDatasourceName = "Hakobune Prometheus";

export const prometheusDatasource: DataSourceRef = { type: "prometheus", uid: prometheusDatasourceUid };
