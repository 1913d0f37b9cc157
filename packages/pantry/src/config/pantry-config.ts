/**
 * Pantry's configuration, from environment variables (the README's table lists them all with their
 * defaults). `loadPantryConfig(process.env)` throws a `ConfigError` naming the first unusable variable.
 */
import { resourceServerVars } from "@hakobune/resource-server";
import {
  booleanVar,
  type Environment,
  integerVar,
  loadConfig,
  serviceVars,
  stringVar,
} from "@hakobune/service-kit";
import { storageVars } from "@hakobune/storage-client";

export const defaultPantryPort = 8082;
/** Pantry's resource identifier at auth-center (platform/auth-center/clients.json). */
export const pantryAudience = "urn:hakobune:pantry";
/** Largest request body, in bytes: a recipe at its every bound fits in well under this. */
export const defaultPantryBodyLimitBytes = 512 * 1024;

const spec = {
  ...serviceVars("HAKOBUNE_PANTRY", { port: defaultPantryPort }),
  bodyLimitBytes: integerVar("HAKOBUNE_PANTRY_BODY_LIMIT_BYTES", defaultPantryBodyLimitBytes, {
    min: 1024,
    max: 16 * 1024 * 1024,
  }),
  ...resourceServerVars("HAKOBUNE_PANTRY", {
    audience: pantryAudience,
    clientId: "pantry",
    clientSecret: "pantry-demo-secret-change-me",
  }),
  insecureNoAuth: booleanVar("HAKOBUNE_PANTRY_INSECURE_NO_AUTH", false),
  ...storageVars(),
  tableName: stringVar("HAKOBUNE_PANTRY_TABLE", "pantry"),
  recentDays: integerVar("HAKOBUNE_PANTRY_RECENT_DAYS", 30, { min: 1, max: 366 }),
  seedDemo: booleanVar("HAKOBUNE_PANTRY_SEED_DEMO", false),
};

export type PantryConfig = ReturnType<typeof loadConfig<typeof spec>>;

export function loadPantryConfig(env: Environment): PantryConfig {
  return loadConfig(spec, env);
}
