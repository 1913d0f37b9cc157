/**
 * The table of services `hakobune up` runs. Adding a service is adding one entry: its name, default
 * port, the flag and environment variable that override the port, how to spawn it and where its health
 * endpoint is. Entries with `available: false` are planned parts that do not exist yet; `up` skips them.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Everything an entry needs to build its command line. */
export interface SpawnContext {
  /** The port the service must listen on. */
  port: number;
  /** The interface the service must bind to. */
  host: string;
  /** The service's own data folder, `<data-dir>/<service name>`. */
  serviceDataDir: string;
  /** The whole platform's data directory. */
  dataDir: string;
  /** The `hakobune` entry point (`dist/main.js`), for services that are CLI subcommands. */
  cliEntry: string;
  /** URL of every service `up` runs, by name: how a service finds the ones it depends on. */
  serviceUrls: Readonly<Record<string, string>>;
}

export interface SpawnCommand {
  command: string;
  args: string[];
  /** Variables added to `up`'s own environment for this service. */
  env?: Record<string, string>;
}

export interface ServiceDefinition {
  /** Also the log prefix, the log file name and the data folder name. */
  name: string;
  defaultPort: number;
  /** The `up` flag that overrides the port, without dashes (`storage-port`). */
  portFlag: string;
  /** The environment variable that overrides the port when the flag is absent. */
  portEnvVar: string;
  /** Path of the endpoint that answers 2xx once the service is ready. */
  healthPath: string;
  /** Whether the service exists yet; `up` starts only available services. */
  available: boolean;
  /**
   * Why this machine cannot run the service (a program is not installed), in one sentence with the fix;
   * undefined when it can. `up` says it and carries on without the service.
   */
  missingRequirement?(): Promise<string | undefined>;
  /** Writes what the service needs before it first starts, such as its configuration files. */
  prepare?(context: SpawnContext): Promise<void>;
  spawn(context: SpawnContext): SpawnCommand;
}

/** A `hakobune <subcommand> --port … --data-dir …` child, run on the same Node binary as `up`. */
function cliSubcommand(subcommand: string): (context: SpawnContext) => SpawnCommand {
  return ({ port, host, serviceDataDir, cliEntry }) => ({
    command: process.execPath,
    args: [cliEntry, subcommand, "--port", String(port), "--host", host, "--data-dir", serviceDataDir],
  });
}

/** The compiled entry point of a workspace package, resolved through the package's public surface. */
function packageEntry(packageName: string): string {
  return fileURLToPath(new URL("./main.js", import.meta.resolve(packageName)));
}

/** Where a service built on service-kit finds storage, as the AWS SDK expects it. */
function storageEnvironment(serviceUrls: Readonly<Record<string, string>>): Record<string, string> {
  return { HAKOBUNE_STORAGE_ENDPOINT: serviceUrls.storage ?? "http://127.0.0.1:8000" };
}

/** auth-center's issuer follows its port, so that tokens name the URL clients really use. */
function issuerOf(serviceUrls: Readonly<Record<string, string>>): string {
  const authUrl = new URL(serviceUrls["auth-center"] ?? "http://127.0.0.1:8081");
  return `http://localhost:${authUrl.port}`;
}

/** Prometheus and Alertmanager are Debian packages; without them `up` runs the rest. */
async function missingMonitoringBinaries(): Promise<string | undefined> {
  const { findPrometheusBinaries } = await import("@hakobune/observability");
  return findPrometheusBinaries().message ?? undefined;
}

/**
 * `definition` (the storage entry) with its `hakobune storage` child told how many zones (and request
 * routers) to run: 1 zone is one storage process; more is request routers and one storage node per
 * zone, children of the storage process and so in its process group, which `up` stops whole.
 */
export function withStorageZones(
  definition: ServiceDefinition,
  zones: number,
  routers = 1,
): ServiceDefinition {
  return {
    ...definition,
    spawn: (context) => {
      const command = definition.spawn(context);
      const routerArgs = routers > 1 ? ["--routers", String(routers)] : [];
      return { ...command, args: [...command.args, "--zones", String(zones), ...routerArgs] };
    },
  };
}

/** In start order: storage first, because every other service keeps its data there. */
export const SERVICES: readonly ServiceDefinition[] = [
  {
    name: "storage",
    defaultPort: 8000,
    portFlag: "storage-port",
    portEnvVar: "HAKOBUNE_STORAGE_PORT",
    healthPath: "/healthz",
    available: true,
    spawn: cliSubcommand("storage"),
  },
  {
    name: "auth-center",
    defaultPort: 8081,
    portFlag: "auth-port",
    portEnvVar: "HAKOBUNE_AUTH_PORT",
    healthPath: "/healthz",
    available: true,
    spawn: ({ port, host, serviceUrls }) => ({
      command: process.execPath,
      args: [packageEntry("@hakobune/auth-center")],
      env: {
        ...storageEnvironment(serviceUrls),
        HAKOBUNE_AUTH_PORT: String(port),
        HAKOBUNE_AUTH_HOST: host,
        HAKOBUNE_AUTH_ISSUER: issuerOf(serviceUrls),
        HAKOBUNE_AUTH_SEED_DEMO: "1",
      },
    }),
  },
  {
    name: "pantry",
    defaultPort: 8082,
    portFlag: "pantry-port",
    portEnvVar: "HAKOBUNE_PANTRY_PORT",
    healthPath: "/healthz",
    available: true,
    spawn: ({ port, host, serviceUrls }) => ({
      command: process.execPath,
      args: [packageEntry("@hakobune/pantry")],
      env: {
        ...storageEnvironment(serviceUrls),
        HAKOBUNE_PANTRY_PORT: String(port),
        HAKOBUNE_PANTRY_HOST: host,
        HAKOBUNE_AUTH_ISSUER: issuerOf(serviceUrls),
        HAKOBUNE_PANTRY_SEED_DEMO: "1",
      },
    }),
  },
  {
    name: "console",
    defaultPort: 8080,
    portFlag: "console-port",
    portEnvVar: "HAKOBUNE_CONSOLE_PORT",
    healthPath: "/healthz",
    available: false,
    spawn: cliSubcommand("console"),
  },
  {
    name: "alerts",
    defaultPort: 9095,
    portFlag: "alerts-port",
    portEnvVar: "HAKOBUNE_ALERTS_PORT",
    healthPath: "/healthz",
    available: true,
    spawn: ({ port, host }) => ({
      command: process.execPath,
      args: [packageEntry("@hakobune/observability")],
      env: { ALERT_RECEIVER_PORT: String(port), ALERT_RECEIVER_HOST: host },
    }),
  },
  {
    name: "alertmanager",
    defaultPort: 9093,
    portFlag: "alertmanager-port",
    portEnvVar: "HAKOBUNE_ALERTMANAGER_PORT",
    healthPath: "/-/ready",
    available: true,
    missingRequirement: () => missingMonitoringBinaries(),
    prepare: async ({ serviceDataDir, serviceUrls }) => {
      const { writeAlertmanagerConfig } = await import("@hakobune/observability");
      await writeAlertmanagerConfig(serviceDataDir, { webhookUrl: `${serviceUrls.alerts}/alerts` });
    },
    spawn: ({ port, host, serviceDataDir }) => ({
      command: "prometheus-alertmanager",
      args: [
        `--config.file=${join(serviceDataDir, "alertmanager.yml")}`,
        `--storage.path=${join(serviceDataDir, "data")}`,
        `--web.listen-address=${host}:${port}`,
        // An empty address turns clustering off: no gossip port, no waiting for peers.
        "--cluster.listen-address=",
      ],
    }),
  },
  {
    name: "prometheus",
    defaultPort: 9090,
    portFlag: "prometheus-port",
    portEnvVar: "HAKOBUNE_PROMETHEUS_PORT",
    healthPath: "/-/ready",
    available: true,
    missingRequirement: () => missingMonitoringBinaries(),
    prepare: async ({ serviceDataDir, serviceUrls }) => {
      const { writeAlertRules, writePrometheusConfig } = await import("@hakobune/observability");
      const rules = await writeAlertRules(serviceDataDir);
      await writePrometheusConfig({
        dir: serviceDataDir,
        ruleFiles: [rules],
        ...(serviceUrls.alertmanager ? { alertmanagerUrl: serviceUrls.alertmanager } : {}),
      });
    },
    spawn: ({ port, host, serviceDataDir }) => ({
      command: "prometheus",
      args: [
        `--config.file=${join(serviceDataDir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(serviceDataDir, "data")}`,
        `--web.listen-address=${host}:${port}`,
      ],
    }),
  },
];
