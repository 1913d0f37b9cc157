/**
 * The auth-center's configuration, read from environment variables (all documented, with their
 * defaults, in the package README). `loadAuthCenterConfig(process.env)` throws a ConfigError naming the
 * first variable whose value is unusable.
 */
import { fileURLToPath } from "node:url";
import {
  booleanVar,
  type Environment,
  integerVar,
  loadConfig,
  serviceVars,
  stringVar,
} from "@hakobune/service-kit";
import { storageVars } from "@hakobune/storage-client";

export const defaultAuthPort = 8081;
export const defaultIssuer = "http://localhost:8081";
/** The demo clients and resources, declared in the repository's platform definition. */
export const defaultClientsFile = fileURLToPath(
  new URL("../../../../platform/auth-center/clients.json", import.meta.url),
);

const day = 24 * 60 * 60;

const spec = {
  ...serviceVars("HAKOBUNE_AUTH", { port: defaultAuthPort }),
  issuer: stringVar("HAKOBUNE_AUTH_ISSUER", defaultIssuer),
  ...storageVars(),
  tableName: stringVar("HAKOBUNE_AUTH_TABLE", "auth-center"),
  clientsFile: stringVar("HAKOBUNE_AUTH_CLIENTS_FILE", defaultClientsFile),
  cookieKeys: stringVar("HAKOBUNE_AUTH_COOKIE_KEYS", ""),
  seedDemo: booleanVar("HAKOBUNE_AUTH_SEED_DEMO", false),
  trustProxy: booleanVar("HAKOBUNE_AUTH_TRUST_PROXY", false),
  accessTokenTtlSeconds: integerVar("HAKOBUNE_AUTH_ACCESS_TOKEN_TTL_SECONDS", 900, { min: 1, max: day }),
  clientCredentialsTtlSeconds: integerVar("HAKOBUNE_AUTH_CLIENT_CREDENTIALS_TTL_SECONDS", 600, {
    min: 1,
    max: day,
  }),
  idTokenTtlSeconds: integerVar("HAKOBUNE_AUTH_ID_TOKEN_TTL_SECONDS", 3600, { min: 1, max: day }),
  refreshTokenTtlSeconds: integerVar("HAKOBUNE_AUTH_REFRESH_TOKEN_TTL_SECONDS", 14 * day, {
    min: 60,
    max: 365 * day,
  }),
  authorizationCodeTtlSeconds: integerVar("HAKOBUNE_AUTH_AUTHORIZATION_CODE_TTL_SECONDS", 60, {
    min: 1,
    max: 600,
  }),
  sessionTtlSeconds: integerVar("HAKOBUNE_AUTH_SESSION_TTL_SECONDS", 14 * day, { min: 60, max: 365 * day }),
  interactionTtlSeconds: integerVar("HAKOBUNE_AUTH_INTERACTION_TTL_SECONDS", 600, { min: 60, max: day }),
  maxFailuresPerAccount: integerVar("HAKOBUNE_AUTH_MAX_FAILURES_PER_ACCOUNT", 5, { min: 1 }),
  maxFailuresPerAddress: integerVar("HAKOBUNE_AUTH_MAX_FAILURES_PER_ADDRESS", 20, { min: 1 }),
  throttleWindowSeconds: integerVar("HAKOBUNE_AUTH_THROTTLE_WINDOW_SECONDS", 900, { min: 1, max: day }),
  keyRefreshIntervalMs: integerVar("HAKOBUNE_AUTH_KEY_REFRESH_INTERVAL_MS", 10_000, { min: 100 }),
  maxEventSubscribers: integerVar("HAKOBUNE_AUTH_MAX_EVENT_SUBSCRIBERS", 100, { min: 1, max: 10_000 }),
  eventHeartbeatMs: integerVar("HAKOBUNE_AUTH_EVENT_HEARTBEAT_MS", 15_000, { min: 100 }),
};

export type AuthCenterConfig = ReturnType<typeof loadConfig<typeof spec>>;

export function loadAuthCenterConfig(env: Environment): AuthCenterConfig {
  return loadConfig(spec, env);
}

/** How long a signing key must stay verifiable after it stops signing: the longest token it signed. */
export function retiredKeyLifetimeSeconds(config: AuthCenterConfig): number {
  return (
    Math.max(config.accessTokenTtlSeconds, config.clientCredentialsTtlSeconds, config.idTokenTtlSeconds) + 60
  );
}
