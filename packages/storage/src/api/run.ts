/** Command-line and environment front end of the storage service, shared by `hakobune storage`. */
import { parseArgs } from "node:util";
import { type Credentials, DEFAULT_CREDENTIALS } from "./sigv4.js";
import { startStorageServer } from "./server.js";

export const defaultStoragePort = 8000;
export const defaultStorageDataDir = ".hakobune/storage";

function fail(message: string): never {
  process.stderr.write(`storage: ${message}\n`);
  process.exit(2);
}

function parsePort(text: string, source: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) fail(`${source} must be a port number between 0 and 65535, got "${text}".`);
  return Number(text);
}

export async function runStorageFromCommandLine(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  let values: { port?: string | undefined; host?: string | undefined; "data-dir"?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: "string" }, host: { type: "string" }, "data-dir": { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const port =
    values.port !== undefined
      ? parsePort(values.port, "--port")
      : env.HAKOBUNE_STORAGE_PORT
        ? parsePort(env.HAKOBUNE_STORAGE_PORT, "HAKOBUNE_STORAGE_PORT")
        : defaultStoragePort;
  const host = values.host ?? env.HAKOBUNE_STORAGE_HOST ?? "127.0.0.1";
  const dataDir = values["data-dir"] ?? env.HAKOBUNE_STORAGE_DATA_DIR ?? defaultStorageDataDir;
  const accessKeyId = env.HAKOBUNE_STORAGE_ACCESS_KEY_ID;
  const secretAccessKey = env.HAKOBUNE_STORAGE_SECRET_ACCESS_KEY;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    fail("HAKOBUNE_STORAGE_ACCESS_KEY_ID and HAKOBUNE_STORAGE_SECRET_ACCESS_KEY must be set together.");
  }
  const credentials: Credentials =
    accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : DEFAULT_CREDENTIALS;
  const server = await startStorageServer({ port, host, dataDir, credentials: [credentials] });
  process.stdout.write(
    `storage: listening on ${server.url} (data in ${dataDir})\n` +
      `storage: access key id "${credentials.accessKeyId}", secret access key "${credentials.secretAccessKey}", any region\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`storage: ${signal} received, draining\n`);
    server.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`storage: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
