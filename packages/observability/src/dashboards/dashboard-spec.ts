/**
 * Dashboards described as data (sections of panels with their PromQL) and turned into Grafana
 * dashboard JSON with the Grafana Foundation SDK. This file owns the layout: panel ids, grid positions
 * and data source references, so the dashboard files only say what to show.
 */

import {
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  type Dashboard,
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { prometheusDatasource } from "./datasource.js";

/** Width of Grafana's grid, in columns. */
export const gridColumns = 24;
/** Tag on every generated dashboard; the dashboards' link menu lists the dashboards carrying it. */
export const dashboardTag = "hakobune";

export interface PanelQuery {
  /** PromQL; may use `$__rate_interval` and the dashboard's variables. */
  expr: string;
  /** Series name, e.g. `{{route}}`. */
  legend?: string;
}

export interface PanelSpec {
  kind: "timeseries" | "stat";
  title: string;
  /** What the panel shows and how to read it (Grafana shows it on hover). */
  description: string;
  /** A Grafana unit id: `reqps`, `ops`, `s`, `percentunit`, `bytes`, `short`. */
  unit: string;
  queries: readonly PanelQuery[];
  /** Width in grid columns. Default: 12 for a time series, 6 for a stat. */
  width?: number;
}

export interface DashboardSection {
  title: string;
  panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  /** Stable id: the file name and the URL path in Grafana. At most 40 characters. */
  uid: string;
  title: string;
  description: string;
  tags?: readonly string[];
  /** A `service` variable listing the services that report `http_requests_total`. */
  serviceVariable?: boolean;
  sections: readonly DashboardSection[];
}

const heightOf = { timeseries: 8, stat: 4 } as const;
const defaultWidthOf = { timeseries: 12, stat: 6 } as const;
/** Largest number of queries one panel may carry (Grafana names them A to Z). */
const maxQueriesPerPanel = 26;

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([dashboardTag, ...(spec.tags ?? [])])
    .editable()
    .refresh("30s")
    .time({ from: "now-1h", to: "now" })
    .timezone("browser")
    .link(
      new DashboardLinkBuilder("Hakobune")
        .type(DashboardLinkType.Dashboards)
        .tags([dashboardTag])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    );
  if (spec.serviceVariable === true) {
    builder.withVariable(
      new QueryVariableBuilder("service")
        .label("Service")
        .datasource(prometheusDatasource)
        .query("label_values(http_requests_total, service)")
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(1),
    );
  }
  let nextId = 1;
  let y = 0;
  for (const section of spec.sections) {
    builder.withRow(new RowBuilder(section.title).id(nextId++).gridPos({ x: 0, y, w: gridColumns, h: 1 }));
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const panel of section.panels) {
      const width = panel.width ?? defaultWidthOf[panel.kind];
      const height = heightOf[panel.kind];
      if (x + width > gridColumns) {
        x = 0;
        y += lineHeight;
        lineHeight = 0;
      }
      builder.withPanel(panelBuilder(panel, nextId++, { x, y, w: width, h: height }));
      x += width;
      lineHeight = Math.max(lineHeight, height);
    }
    y += lineHeight;
  }
  return builder.build();
}

function panelBuilder(panel: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  if (panel.queries.length === 0 || panel.queries.length > maxQueriesPerPanel) {
    throw new RangeError(`panel "${panel.title}" needs 1 to ${maxQueriesPerPanel} queries`);
  }
  const builder =
    panel.kind === "stat"
      ? new StatPanelBuilder().reduceOptions(
          new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false),
        )
      : new TimeseriesPanelBuilder().legend(
          new VizLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(LegendDisplayMode.List)
            .placement(LegendPlacement.Bottom),
        );
  builder
    .id(id)
    .title(panel.title)
    .description(panel.description)
    .unit(panel.unit)
    .datasource(prometheusDatasource)
    .gridPos(gridPos);
  panel.queries.forEach((query, index) => {
    const target = new DataqueryBuilder()
      .refId(String.fromCharCode(65 + index))
      .datasource(prometheusDatasource)
      .expr(query.expr);
    if (query.legend !== undefined) target.legendFormat(query.legend);
    builder.withTarget(target);
  });
  return builder;
}
