/**
 * `hakobune storage`: runs the DynamoDB-compatible storage service in the foreground until SIGTERM,
 * SIGINT or SIGHUP, then drains it and exits. `hakobune up` runs storage through this command.
 */
import { join } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import {
  clusterOptionsFromFlags,
  defaultStoragePort,
  parseStorageZones,
  StorageUsageError,
  serveStorage,
  storageClusterFlags,
  storageCredentialsFromEnv,
  storageUsage,
} from "@hakobune/storage";
import { HELP_OPTION, parseCommandFlags, resolveDataDir, resolvePort } from "../args.js";
import { UsageError } from "../errors.js";

const STORAGE_DEFAULT_HOST = "127.0.0.1";

const STORAGE_OPTIONS = {
  ...HELP_OPTION,
  port: { type: "string" },
  host: { type: "string" },
  "data-dir": { type: "string" },
  zones: { type: "string" },
  ...storageClusterFlags,
} satisfies ParseArgsOptionsConfig;

export async function storage(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const flags = parseCommandFlags("storage", argv, STORAGE_OPTIONS);
  if (flags.help) {
    process.stdout.write(storageUsage);
    return 0;
  }
  const port = resolvePort(flags.port, "port", env, "HAKOBUNE_STORAGE_PORT", defaultStoragePort);
  const host = flags.host ?? STORAGE_DEFAULT_HOST;
  const dataDir = flags["data-dir"] ?? join(resolveDataDir(undefined, env), "storage");
  let credentials: ReturnType<typeof storageCredentialsFromEnv>;
  let zones = 1;
  let cluster: ReturnType<typeof clusterOptionsFromFlags>;
  try {
    credentials = storageCredentialsFromEnv(env);
    const zonesText = flags.zones ?? env.HAKOBUNE_STORAGE_ZONES;
    if (zonesText) zones = parseStorageZones(zonesText);
    cluster = clusterOptionsFromFlags(flags, zones);
  } catch (error) {
    if (error instanceof StorageUsageError) throw new UsageError(error.message);
    throw error;
  }
  return serveStorage({ port, host, dataDir, credentials, zones, ...cluster });
}
