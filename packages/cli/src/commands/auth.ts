/**
 * `hakobune auth rotate-keys`: makes a new signing key auth-center's active one. The old public key
 * stays in the JWKS until every token it signed has expired, so no token in flight stops verifying.
 * Storage is found the way `up` runs it (the storage URL in `up.json`), or from
 * HAKOBUNE_STORAGE_ENDPOINT / --storage-endpoint.
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { HELP_OPTION, parseCommandFlags, resolveDataDir } from "../args.js";
import { UsageError } from "../errors.js";
import { readUpState } from "../up/state-file.js";

const AUTH_OPTIONS = {
  ...HELP_OPTION,
  "data-dir": { type: "string" },
  "storage-endpoint": { type: "string" },
} satisfies ParseArgsOptionsConfig;

export const AUTH_USAGE = `Usage: hakobune auth rotate-keys [--data-dir DIR] [--storage-endpoint URL]

Makes a new signing key auth-center's active key; running instances pick it up within
HAKOBUNE_AUTH_KEY_REFRESH_INTERVAL_MS. The previous public key stays published until every token it
signed has expired.

Options:
  --data-dir DIR           the data directory of a running "hakobune up", to find its storage
  --storage-endpoint URL   storage to use instead (env HAKOBUNE_STORAGE_ENDPOINT)
`;

export async function auth(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === "--help" || action === "-h") {
    process.stdout.write(AUTH_USAGE);
    return action === undefined ? 2 : 0;
  }
  if (action !== "rotate-keys") {
    throw new UsageError(`Unknown auth action "${action}"; the one action is "rotate-keys".`);
  }
  const flags = parseCommandFlags("auth rotate-keys", rest, AUTH_OPTIONS);
  if (flags.help) {
    process.stdout.write(AUTH_USAGE);
    return 0;
  }
  const runningStorage = readUpState(resolveDataDir(flags["data-dir"], env))?.services.find(
    (service) => service.name === "storage",
  )?.url;
  const storageEndpoint = flags["storage-endpoint"] ?? env.HAKOBUNE_STORAGE_ENDPOINT ?? runningStorage;
  if (storageEndpoint === undefined) {
    throw new UsageError(
      'No storage to rotate keys in: start the platform with "hakobune up", or give --storage-endpoint.',
    );
  }
  const { rotateSigningKeys } = await import("@hakobune/auth-center");
  const rotation = await rotateSigningKeys({ env: { ...env, HAKOBUNE_STORAGE_ENDPOINT: storageEndpoint } });
  process.stdout.write(
    `auth-center signs with key ${rotation.activeKeyId} now; published keys: ${rotation.publishedKeyIds.join(", ")}\n`,
  );
  return 0;
}
