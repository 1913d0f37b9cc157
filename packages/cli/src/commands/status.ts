/**
 * `hakobune status`: reads the `up.json` of a running `hakobune up`, probes every service's health
 * endpoint and prints a table (or JSON). Exits 0 only when everything recorded is healthy.
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { HELP_OPTION, parseCommandFlags, resolveDataDir } from "../args.js";
import { probeHealth } from "../up/health.js";
import { isProcessAlive } from "../up/process-group.js";
import { SERVICES } from "../up/services.js";
import { readUpState, type ServiceRecord } from "../up/state-file.js";

/** `status` must answer promptly even when a service hangs. */
export const STATUS_PROBE_TIMEOUT_MS = 1_000;

const STATUS_OPTIONS = {
  ...HELP_OPTION,
  "data-dir": { type: "string" },
  json: { type: "boolean" },
} satisfies ParseArgsOptionsConfig;

export const STATUS_USAGE = `Usage: hakobune status [--data-dir DIR] [--json]

Shows each service started by "hakobune up" on DIR: its URL, pid and whether it is healthy.
Exits 0 when every service is healthy and 1 otherwise.

Options:
  --data-dir DIR   the data directory "up" runs on (env HAKOBUNE_DATA_DIR, default ./.hakobune)
  --json           print {running, dataDir, pid, services: [{name, url, pid, status}]} instead of a table
`;

export type ServiceStatus = "healthy" | "unhealthy" | "not running";

export interface ServiceStatusRow {
  name: string;
  url: string;
  pid: number | null;
  status: ServiceStatus;
}

async function statusOf(service: ServiceRecord): Promise<ServiceStatus> {
  if (service.pid === null || !isProcessAlive(service.pid)) return "not running";
  const definition = SERVICES.find((each) => each.name === service.name);
  const healthy = await probeHealth(
    `${service.url}${definition?.healthPath ?? "/healthz"}`,
    STATUS_PROBE_TIMEOUT_MS,
  );
  return healthy ? "healthy" : "unhealthy";
}

function formatTable(rows: ServiceStatusRow[]): string {
  const cells = [
    ["SERVICE", "URL", "PID", "STATUS"],
    ...rows.map((row) => [row.name, row.url, row.pid === null ? "-" : String(row.pid), row.status]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...cells.map((line) => line[column]?.length ?? 0)));
  return cells
    .map((line) =>
      line.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell)).join("  "),
    )
    .join("\n");
}

export async function status(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const flags = parseCommandFlags("status", argv, STATUS_OPTIONS);
  if (flags.help) {
    process.stdout.write(STATUS_USAGE);
    return 0;
  }
  const dataDir = resolveDataDir(flags["data-dir"], env);
  const state = readUpState(dataDir);
  const running = state !== null && isProcessAlive(state.pid);
  if (!running) {
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ running: false, dataDir, pid: null, services: [] })}\n`);
    } else {
      const why = state === null ? "" : ` (up.json is left from pid ${state.pid}, which has exited)`;
      process.stdout.write(`Hakobune is not running on ${dataDir}${why}; start it with "hakobune up".\n`);
    }
    return 1;
  }
  const rows: ServiceStatusRow[] = await Promise.all(
    state.services.map(async (service) => ({
      name: service.name,
      url: service.url,
      pid: service.pid,
      status: await statusOf(service),
    })),
  );
  const allHealthy = rows.length > 0 && rows.every((row) => row.status === "healthy");
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ running: true, dataDir, pid: state.pid, services: rows })}\n`);
  } else {
    process.stdout.write(`Hakobune is running on ${dataDir} (up pid ${state.pid}).\n${formatTable(rows)}\n`);
  }
  return allHealthy ? 0 : 1;
}
