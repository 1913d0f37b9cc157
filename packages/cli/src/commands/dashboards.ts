/**
 * `hakobune dashboards export DIR`: writes the platform's Grafana dashboards (generated from code) and
 * the Grafana provisioning files that load them, so an existing Grafana shows them with no clicking.
 */
import { resolve } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { HELP_OPTION, parseCommandFlags } from "../args.js";
import { UsageError } from "../errors.js";

const DASHBOARDS_OPTIONS = {
  ...HELP_OPTION,
  "prometheus-url": { type: "string" },
} satisfies ParseArgsOptionsConfig;

export const DASHBOARDS_USAGE = `Usage: hakobune dashboards export DIR [--prometheus-url URL]

Writes the platform's Grafana dashboards to DIR/dashboards and Grafana provisioning files (the
Prometheus data source and a dashboard provider) to DIR/provisioning. Point Grafana's
paths.provisioning at DIR/provisioning.

Options:
  --prometheus-url URL   where Grafana reaches Prometheus (default http://127.0.0.1:9090)
`;

export async function dashboards(argv: readonly string[], _env: NodeJS.ProcessEnv): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === "--help" || action === "-h") {
    process.stdout.write(DASHBOARDS_USAGE);
    return action === undefined ? 2 : 0;
  }
  if (action !== "export") {
    throw new UsageError(`Unknown dashboards action "${action}"; the one action is "export".`);
  }
  const [dir, ...flagWords] = rest;
  if (dir === "--help" || dir === "-h") {
    process.stdout.write(DASHBOARDS_USAGE);
    return 0;
  }
  if (dir === undefined || dir.startsWith("-")) {
    throw new UsageError('Give the folder to export to first: "hakobune dashboards export DIR".');
  }
  const flags = parseCommandFlags("dashboards export", flagWords, DASHBOARDS_OPTIONS);
  const { exportDashboards, InvalidOptionError } = await import("@hakobune/observability");
  try {
    const exported = await exportDashboards(resolve(dir), {
      ...(flags["prometheus-url"] ? { prometheusUrl: flags["prometheus-url"] } : {}),
    });
    process.stdout.write(
      `Wrote ${exported.dashboards.length} dashboard(s) and ${exported.provisioning.length} provisioning file(s) under ${resolve(dir)}.\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new UsageError(error.message);
    throw error;
  }
}
