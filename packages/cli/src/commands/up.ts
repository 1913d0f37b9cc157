/**
 * `hakobune up`: starts every available service of the platform locally and supervises it until
 * Ctrl-C. The flags come from the service table, one `--<service>-port` per service.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ParseArgsOptionsConfig } from "node:util";
import { clusterOptionsFromFlags, parseStorageZones, StorageUsageError } from "@hakobune/storage";
import { HELP_OPTION, parseCommandFlags, resolveDataDir, resolvePort } from "../args.js";
import { UsageError } from "../errors.js";
import { DEFAULT_RESTART_POLICY } from "../up/restart-policy.js";
import { DEFAULT_RUNNER_TIMEOUTS } from "../up/service-runner.js";
import { SERVICES, withStorageZones } from "../up/services.js";
import { type PlannedService, runUp } from "../up/supervisor.js";

/** Services bind to loopback only: `up` is a single-machine development platform. */
export const UP_HOST = "127.0.0.1";

const CLI_ENTRY = fileURLToPath(new URL("../main.js", import.meta.url));

const portOptions = Object.fromEntries(
  SERVICES.map((service) => [service.portFlag, { type: "string" }] as const),
) as Record<string, { type: "string" }>;

const UP_OPTIONS = {
  ...HELP_OPTION,
  "data-dir": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  "storage-zones": { type: "string" },
  "storage-routers": { type: "string" },
  ...portOptions,
} satisfies ParseArgsOptionsConfig;

const OPTION_ROWS: [string, string][] = [
  ["--data-dir DIR", "where data, logs and up.json live (env HAKOBUNE_DATA_DIR, default ./.hakobune)"],
  ["--quiet, -q", "write service logs to <data-dir>/logs/<service>.log instead of stdout"],
  [
    "--storage-zones N",
    "run storage as a router and N storage nodes, one per zone (env HAKOBUNE_STORAGE_ZONES, default 1)",
  ],
  ["--storage-routers N", "with --storage-zones: N request routers on the storage port (default 1)"],
  ...SERVICES.map((service): [string, string] => [
    `--${service.portFlag} N`,
    `${service.name} port (env ${service.portEnvVar}, default ${service.defaultPort})` +
      (service.available ? "" : "; not available yet"),
  ]),
];
const OPTION_WIDTH = Math.max(...OPTION_ROWS.map(([flag]) => flag.length)) + 2;

export const UP_USAGE = `Usage: hakobune up [--data-dir DIR] [--quiet] [--storage-zones N [--storage-routers N]] [--<service>-port N …]

Starts every Hakobune service that exists so far, waits until each answers its health check, and
supervises them: a crashed service is restarted with exponential backoff. Ctrl-C stops them all.

Options:
${OPTION_ROWS.map(([flag, meaning]) => `  ${flag.padEnd(OPTION_WIDTH)}${meaning}`).join("\n")}
`;

/**
 * Keeps Prometheus's file-based discovery in step with what runs: each service is added to the scrape
 * targets once it is healthy. A service that crashes stays listed, so that its target shows down.
 */
function scrapeTargetsWriter(dataDir: string, services: PlannedService[]) {
  if (!services.some(({ definition }) => definition.name === "prometheus")) return undefined;
  const targets = new Map<string, string>();
  let writing = Promise.resolve();
  return (name: string, url: string) => {
    targets.set(name, url);
    const snapshot = [...targets].map(([service, serviceUrl]) => ({ service, url: serviceUrl }));
    writing = writing
      .then(async () => {
        const { writeScrapeTargets } = await import("@hakobune/observability");
        await writeScrapeTargets(join(dataDir, "prometheus"), snapshot);
      })
      .catch((error: unknown) => {
        process.stderr.write(`hakobune: could not update Prometheus's scrape targets: ${String(error)}\n`);
      });
  };
}

/** Storage zones from `--storage-zones`, else HAKOBUNE_STORAGE_ZONES, else 1; a bad value is a usage error. */
function resolveStorageZones(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const text = flag ?? env.HAKOBUNE_STORAGE_ZONES;
  if (text === undefined || text === "") return 1;
  try {
    return parseStorageZones(text);
  } catch (error) {
    if (error instanceof StorageUsageError) {
      const source = flag !== undefined ? "--storage-zones" : "HAKOBUNE_STORAGE_ZONES";
      throw new UsageError(error.message.replace("--zones", source));
    }
    throw error;
  }
}

/** Storage routers from `--storage-routers` (with `--storage-zones` 2 or more), else 1. */
function resolveStorageRouters(flag: string | undefined, zones: number): number {
  if (flag === undefined) return 1;
  try {
    return clusterOptionsFromFlags({ routers: flag }, zones).routers ?? 1;
  } catch (error) {
    if (error instanceof StorageUsageError) {
      throw new UsageError(
        error.message.replaceAll("--routers", "--storage-routers").replace("--zones", "--storage-zones"),
      );
    }
    throw error;
  }
}

export async function up(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const flags = parseCommandFlags("up", argv, UP_OPTIONS);
  if (flags.help) {
    process.stdout.write(UP_USAGE);
    return 0;
  }
  const dataDir = resolveDataDir(flags["data-dir"], env);
  const storageZones = resolveStorageZones(flags["storage-zones"], env);
  const storageRouters = resolveStorageRouters(flags["storage-routers"], storageZones);
  const portFlags: Record<string, string | boolean | undefined> = flags;
  // Every port is checked, so a typo in a flag for a service that does not exist yet is still reported.
  const planned = SERVICES.map((definition) => ({
    definition:
      definition.name === "storage" ? withStorageZones(definition, storageZones, storageRouters) : definition,
    port: resolvePort(
      // Port options are declared as strings above, so parseArgs yields a string or nothing.
      portFlags[definition.portFlag] as string | undefined,
      definition.portFlag,
      env,
      definition.portEnvVar,
      definition.defaultPort,
    ),
  }));
  const services: PlannedService[] = [];
  for (const service of planned.filter(({ definition }) => definition.available)) {
    const missing = await service.definition.missingRequirement?.();
    if (missing === undefined) services.push(service);
    else process.stdout.write(`${service.definition.name} will not run: ${missing}\n`);
  }
  for (const [index, service] of services.entries()) {
    const clash = services.slice(0, index).find((other) => other.port === service.port);
    if (clash) {
      throw new UsageError(
        `${clash.definition.name} and ${service.definition.name} cannot both use port ${service.port}.`,
      );
    }
  }
  return runUp({
    dataDir,
    quiet: flags.quiet === true,
    host: UP_HOST,
    services,
    cliEntry: CLI_ENTRY,
    policy: DEFAULT_RESTART_POLICY,
    timeouts: DEFAULT_RUNNER_TIMEOUTS,
    out: process.stdout,
    onServiceReady: scrapeTargetsWriter(dataDir, services),
  });
}
