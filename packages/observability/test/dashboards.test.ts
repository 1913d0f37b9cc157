/**
 * The generated Grafana dashboards: a valid dashboard model each, every panel query parsed as PromQL by
 * the real promtool, and the export with its provisioning files.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  buildDashboard,
  exportDashboards,
  InvalidOptionError,
  platformDashboards,
  prometheusDatasourceUid,
} from "../src/index.js";
import { dashboardProblems, panelQueries } from "./support/dashboard-model.js";
import { runTool, temporaryDirectory } from "./support/tools.js";

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await temporaryDirectory("dashboards"));
});
afterAll(async () => {
  await remove();
});

/** Checks PromQL with promtool: each query becomes a recording rule in a throwaway rule file. */
async function promtoolParses(queries: readonly { where: string; expr: string }[], fileName: string) {
  const path = join(dir, fileName);
  const rules = queries.map((query, index) => ({ record: `dashboard_query_${index}`, expr: query.expr }));
  await writeFile(path, stringify({ groups: [{ name: "dashboard-queries", rules }] }));
  return runTool("promtool", ["check", "rules", path]);
}

describe("dashboards", () => {
  const dashboards = platformDashboards() as unknown as Record<string, unknown>[];

  it("are a platform overview and one per service, with unique uids", () => {
    const uids = dashboards.map((dashboard) => dashboard.uid);
    expect(uids).toEqual([
      "hakobune-overview",
      "hakobune-service",
      "hakobune-storage",
      "hakobune-auth-center",
      "hakobune-pantry",
    ]);
  });

  it("are valid Grafana dashboard models", () => {
    for (const dashboard of dashboards) {
      expect(dashboardProblems(dashboard, prometheusDatasourceUid)).toEqual([]);
    }
  });

  it("show the metrics each service exposes", () => {
    const exprs = (uid: string) =>
      panelQueries(dashboards.find((dashboard) => dashboard.uid === uid)!)
        .map((query) => query.expr)
        .join("\n");
    expect(exprs("hakobune-service")).toContain("http_request_duration_seconds_bucket");
    for (const metric of [
      "storage_operations_total",
      "storage_operation_duration_seconds_bucket",
      "storage_table_items",
    ]) {
      expect(exprs("hakobune-storage")).toContain(metric);
    }
    for (const metric of ["auth_logins_total", "auth_tokens_issued_total", "http_requests_total"]) {
      expect(exprs("hakobune-auth-center")).toContain(metric);
    }
    for (const metric of ["resource_token_verifications_total", "resource_verification_cache_total"]) {
      expect(exprs("hakobune-pantry")).toContain(metric);
    }
  });

  it("have queries that all parse as PromQL", async () => {
    const queries = dashboards.flatMap(panelQueries);
    expect(queries.length).toBeGreaterThan(40);
    const check = await promtoolParses(queries, "dashboard-queries.yml");
    expect(check.output).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(check.exitCode).toBe(0);
  });

  it("the PromQL check rejects a broken query, so it is a real check", async () => {
    const check = await promtoolParses(
      [{ where: "broken", expr: "sum by (service (rate(up[5m]))" }],
      "broken.yml",
    );
    expect(check.exitCode).not.toBe(0);
  });

  it("the model check finds duplicate ids, overlaps, foreign data sources and undefined variables", () => {
    const dashboard = buildDashboard({
      uid: "broken",
      title: "Broken",
      description: "",
      sections: [
        {
          title: "S",
          panels: [
            {
              kind: "stat",
              title: "A",
              description: "",
              unit: "short",
              queries: [{ expr: 'up{service="$nope"}' }],
            },
          ],
        },
      ],
    }) as unknown as { panels: Record<string, unknown>[] };
    const [row, panel] = dashboard.panels;
    dashboard.panels.push({ ...panel, datasource: { type: "prometheus", uid: "other" } });
    row!.gridPos = { x: 0, y: 0, w: 25, h: 1 };
    const problems = dashboardProblems(dashboard, prometheusDatasourceUid).join("\n");
    expect(problems).toContain("is used twice");
    expect(problems).toContain("overlaps panel");
    expect(problems).toContain('uid: "hakobune-prometheus"');
    expect(problems).toContain("undefined variable $nope");
    expect(problems).toContain("runs past column 24");
  });
});

describe("exportDashboards", () => {
  it("writes every dashboard and the provisioning files Grafana needs", async () => {
    const exported = await exportDashboards(dir, { prometheusUrl: "http://127.0.0.1:19090" });
    expect(exported.dashboards.map((path) => path.slice(dir.length))).toEqual([
      "/dashboards/hakobune-overview.json",
      "/dashboards/hakobune-service.json",
      "/dashboards/hakobune-storage.json",
      "/dashboards/hakobune-auth-center.json",
      "/dashboards/hakobune-pantry.json",
    ]);
    for (const path of exported.dashboards) {
      expect(dashboardProblems(JSON.parse(await readFile(path, "utf8")), prometheusDatasourceUid)).toEqual(
        [],
      );
    }
    const [datasources, providers] = await Promise.all(
      exported.provisioning.map(async (path) => parse(await readFile(path, "utf8"))),
    );
    expect(datasources).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: "Hakobune Prometheus",
          uid: prometheusDatasourceUid,
          type: "prometheus",
          access: "proxy",
          url: "http://127.0.0.1:19090",
          editable: false,
        },
      ],
    });
    expect(providers.apiVersion).toBe(1);
    expect(providers.providers[0]).toMatchObject({
      type: "file",
      options: { path: join(dir, "dashboards") },
    });
  });

  it("refuses a Prometheus URL that is not http(s)", async () => {
    await expect(exportDashboards(dir, { prometheusUrl: "127.0.0.1:9090" })).rejects.toThrow(
      InvalidOptionError,
    );
  });
});
