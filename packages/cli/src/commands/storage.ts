/**
 * `hakobune storage`: runs the DynamoDB-compatible storage service in the foreground until SIGTERM,
 * SIGINT or SIGHUP, then drains it and exits. `hakobune up` runs storage through this command.
 */
import { join } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { type Credentials, DEFAULT_CREDENTIALS, startStorageServer } from "@hakobune/storage";
import { HELP_OPTION, parseCommandFlags, resolveDataDir, resolvePort } from "../args.js";
import { UsageError } from "../errors.js";

export const STORAGE_DEFAULT_PORT = 8000;
export const STORAGE_DEFAULT_HOST = "127.0.0.1";
/** Hard bound on shutdown: past it the process exits even if connections are still draining. */
export const STORAGE_SHUTDOWN_TIMEOUT_MS = 15_000;

const ACCESS_KEY_ENV_VAR = "HAKOBUNE_STORAGE_ACCESS_KEY_ID";
const SECRET_KEY_ENV_VAR = "HAKOBUNE_STORAGE_SECRET_ACCESS_KEY";

const STORAGE_OPTIONS = {
  ...HELP_OPTION,
  port: { type: "string" },
  host: { type: "string" },
  "data-dir": { type: "string" },
} satisfies ParseArgsOptionsConfig;

export const STORAGE_USAGE = `Usage: hakobune storage [--port N] [--data-dir DIR] [--host HOST]

Runs the DynamoDB-compatible storage service in the foreground; Ctrl-C or SIGTERM stops it.

Options:
  --port N         port to listen on (env HAKOBUNE_STORAGE_PORT, default ${STORAGE_DEFAULT_PORT})
  --data-dir DIR   folder for the store (default <HAKOBUNE_DATA_DIR or ./.hakobune>/storage)
  --host HOST      interface to bind (default ${STORAGE_DEFAULT_HOST})

Environment:
  ${ACCESS_KEY_ENV_VAR}, ${SECRET_KEY_ENV_VAR}
                   the one access key accepted instead of the default one (set both or neither)
`;

function credentialsFrom(env: NodeJS.ProcessEnv): Credentials {
  const accessKeyId = env[ACCESS_KEY_ENV_VAR] || undefined;
  const secretAccessKey = env[SECRET_KEY_ENV_VAR] || undefined;
  if (accessKeyId === undefined && secretAccessKey === undefined) return DEFAULT_CREDENTIALS;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new UsageError(`${ACCESS_KEY_ENV_VAR} and ${SECRET_KEY_ENV_VAR} must be set together.`);
  }
  return { accessKeyId, secretAccessKey };
}

export async function storage(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const flags = parseCommandFlags("storage", argv, STORAGE_OPTIONS);
  if (flags.help) {
    process.stdout.write(STORAGE_USAGE);
    return 0;
  }
  const port = resolvePort(flags.port, "port", env, "HAKOBUNE_STORAGE_PORT", STORAGE_DEFAULT_PORT);
  const host = flags.host ?? STORAGE_DEFAULT_HOST;
  const dataDir = flags["data-dir"] ?? join(resolveDataDir(undefined, env), "storage");
  const credentials = credentialsFrom(env);

  const server = await startStorageServer({ port, host, dataDir, credentials: [credentials] });
  process.stdout.write(
    `storage listening on ${server.url} with data in ${dataDir}\n` +
      `storage accepts access key id "${credentials.accessKeyId}" with secret access key "${credentials.secretAccessKey}" in any region\n`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(name, () => resolve(name));
  });
  process.stdout.write(`storage received ${signal}; draining and stopping\n`);
  const deadline = setTimeout(() => {
    process.stderr.write(`storage did not stop within ${STORAGE_SHUTDOWN_TIMEOUT_MS} ms; exiting anyway\n`);
    process.exit(1);
  }, STORAGE_SHUTDOWN_TIMEOUT_MS);
  await server.close();
  clearTimeout(deadline);
  process.stdout.write("storage stopped\n");
  return 0;
}
