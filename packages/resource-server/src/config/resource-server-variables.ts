/**
 * The environment variables a resource server reads to configure token verification, declared with the
 * service kit's typed helpers: `loadConfig(resourceServerVars("HAKOBUNE_PANTRY", {...}), process.env)`,
 * then `resourceServerOptionsFrom(config)`. The issuer is the platform's, so its variable has no prefix.
 */
import { booleanVar, enumVar, integerVar, stringVar } from "@hakobune/service-kit";
import {
  defaultCacheDegradedMaxAgeMs,
  defaultCacheMaxAgeMs,
  defaultCacheMaxEntries,
} from "../cache/verification-cache.js";
import type { ResourceServerOptions } from "../resource-server.js";
import { verificationModes } from "../verification/token-verifier.js";

export interface ResourceServerVarDefaults {
  /** This resource's identifier (`aud`), e.g. `urn:hakobune:pantry`. */
  audience: string;
  /** The resource server's client id at the authorization server. */
  clientId: string;
  /** Its client secret; a demo value, to be overridden outside a laptop. */
  clientSecret: string;
}

export const defaultIssuer = "http://localhost:8081";
const hourMs = 3_600_000;

export function resourceServerVars(prefix: string, defaults: ResourceServerVarDefaults) {
  return {
    tokenMode: enumVar(`${prefix}_TOKEN_MODE`, verificationModes, "introspection"),
    issuer: stringVar("HAKOBUNE_AUTH_ISSUER", defaultIssuer),
    audience: stringVar(`${prefix}_AUDIENCE`, defaults.audience),
    clientId: stringVar(`${prefix}_CLIENT_ID`, defaults.clientId),
    clientSecret: stringVar(`${prefix}_CLIENT_SECRET`, defaults.clientSecret),
    tokenCacheMaxEntries: integerVar(`${prefix}_TOKEN_CACHE_MAX_ENTRIES`, defaultCacheMaxEntries, {
      min: 0,
      max: 1_000_000,
    }),
    tokenCacheMaxAgeMs: integerVar(`${prefix}_TOKEN_CACHE_MAX_AGE_MS`, defaultCacheMaxAgeMs, {
      min: 0,
      max: hourMs,
    }),
    tokenCacheDegradedMaxAgeMs: integerVar(
      `${prefix}_TOKEN_CACHE_DEGRADED_MAX_AGE_MS`,
      defaultCacheDegradedMaxAgeMs,
      {
        min: 0,
        max: hourMs,
      },
    ),
    revocationEvents: booleanVar(`${prefix}_REVOCATION_EVENTS`, true),
  };
}

/** The values `resourceServerVars` reads. */
export interface ResourceServerConfig {
  tokenMode: (typeof verificationModes)[number];
  issuer: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  tokenCacheMaxEntries: number;
  tokenCacheMaxAgeMs: number;
  tokenCacheDegradedMaxAgeMs: number;
  revocationEvents: boolean;
}

export function resourceServerOptionsFrom(config: ResourceServerConfig): ResourceServerOptions {
  return {
    mode: config.tokenMode,
    issuer: config.issuer,
    audience: config.audience,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    revocationEvents: config.revocationEvents,
    cache: {
      maxEntries: config.tokenCacheMaxEntries,
      maxAgeMs: config.tokenCacheMaxAgeMs,
      degradedMaxAgeMs: config.tokenCacheDegradedMaxAgeMs,
    },
  };
}
