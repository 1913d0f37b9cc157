/**
 * Starting the auth-center in this process (tests, `hakobune up`), and the operations the CLI runs
 * against its storage without a running server: key rotation and demo seeding.
 */
import type { Environment } from "@hakobune/service-kit";
import { startService } from "@hakobune/service-kit";
import { AccountStore } from "./accounts/account-store.js";
import { buildAuthCenter } from "./app.js";
import {
  type AuthCenterConfig,
  loadAuthCenterConfig,
  retiredKeyLifetimeSeconds,
} from "./config/auth-config.js";
import { rotateStoredSigningKeys } from "./keys/signing-keys.js";
import { demoAccount, seedDemoAccount } from "./seed/demo-seed.js";
import { openAuthTable } from "./store/auth-table.js";

export interface AuthCenterOptions {
  /** Environment the configuration is read from. Default: `process.env`. */
  env?: Environment;
  /** Values that win over the environment, e.g. `{ port: 0 }`. */
  config?: Partial<AuthCenterConfig>;
}

export interface StartAuthCenterOptions extends AuthCenterOptions {
  /** `false` silences the service's log. Default: true. */
  logger?: boolean;
}

export interface RunningAuthCenter {
  /** Where the server listens, e.g. `http://127.0.0.1:8081`. */
  url: string;
  port: number;
  issuer: string;
  /** The demo credentials, when HAKOBUNE_AUTH_SEED_DEMO asked for the demo account. */
  demo?: { email: string; password: string };
  /** Graceful shutdown; resolves once every connection is closed. */
  close(): Promise<void>;
}

export function resolveConfig(options: AuthCenterOptions = {}): AuthCenterConfig {
  return { ...loadAuthCenterConfig(options.env ?? process.env), ...options.config };
}

export async function startAuthCenter(options: StartAuthCenterOptions = {}): Promise<RunningAuthCenter> {
  const config = resolveConfig(options);
  const built = await buildAuthCenter(config, { logger: options.logger ?? true });
  if (config.seedDemo) await seedDemoAccount(built.accounts);
  const running = await startService(built.service, {
    port: config.port,
    host: config.host,
    drainTimeoutMs: config.drainTimeoutMs,
  });
  return {
    url: running.url,
    port: running.port,
    issuer: config.issuer,
    ...(config.seedDemo ? { demo: { email: demoAccount.email, password: demoAccount.password } } : {}),
    close: async () => {
      await running.close();
    },
  };
}

export interface SigningKeyRotation {
  /** The key that signs from now on. */
  activeKeyId: string;
  /** Every key still published in the JWKS, the active one first. */
  publishedKeyIds: string[];
}

/**
 * Makes a fresh signing key active (`hakobune auth rotate-keys`). Running instances pick it up within
 * HAKOBUNE_AUTH_KEY_REFRESH_INTERVAL_MS; the previous key stays in the JWKS until every token it signed
 * has expired.
 */
export async function rotateSigningKeys(options: AuthCenterOptions = {}): Promise<SigningKeyRotation> {
  const config = resolveConfig(options);
  const table = await openAuthTable(config);
  try {
    const keySet = await rotateStoredSigningKeys(table, retiredKeyLifetimeSeconds(config));
    const publishedKeyIds = keySet.keys.map((key) => String(key.jwk.kid));
    return { activeKeyId: publishedKeyIds[0] ?? "", publishedKeyIds };
  } finally {
    table.close();
  }
}

/** Creates the demo account unless it exists (`hakobune up` with HAKOBUNE_AUTH_SEED_DEMO=1 does this too). */
export async function seedDemo(
  options: AuthCenterOptions = {},
): Promise<{ email: string; password: string; created: boolean }> {
  const config = resolveConfig(options);
  const table = await openAuthTable(config);
  try {
    const created = await seedDemoAccount(new AccountStore(table));
    return { email: demoAccount.email, password: demoAccount.password, created };
  } finally {
    table.close();
  }
}
