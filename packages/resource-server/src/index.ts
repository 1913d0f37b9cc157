/**
 * Access-token verification for every Hakobune resource server: local JWT verification or introspection,
 * a verification cache kept honest by revocation events, RFC 6750 errors, and a Fastify preHandler.
 * Other packages import only from here.
 */
export type { RevocationMatch, VerificationCacheOptions } from "./cache/verification-cache.js";
export {
  cacheKeyOf,
  defaultCacheDegradedMaxAgeMs,
  defaultCacheMaxAgeMs,
  defaultCacheMaxEntries,
  VerificationCache,
} from "./cache/verification-cache.js";
export type { ResourceServerConfig, ResourceServerVarDefaults } from "./config/resource-server-variables.js";
export { resourceServerOptionsFrom, resourceServerVars } from "./config/resource-server-variables.js";
export type { InvalidTokenReason } from "./errors.js";
export {
  InsufficientScopeError,
  InvalidTokenError,
  MalformedRequestError,
  MissingTokenError,
  ResourceServerError,
  VerifierUnavailableError,
} from "./errors.js";
export { accessTokenOf, requireScope } from "./http/require-scope.js";
export { bearerChallenge } from "./http/www-authenticate.js";
export type { VerificationResult } from "./metrics/verification-metrics.js";
export type { ResourceServerLog, ResourceServerOptions } from "./resource-server.js";
export { createResourceServer, ResourceServer } from "./resource-server.js";
export type { RevocationEvent, RevocationKind } from "./revocation/revocation-event.js";
export { parseRevocationEvent } from "./revocation/revocation-event.js";
export type { RevocationListOptions } from "./revocation/revocation-list.js";
export type { SseEvent } from "./revocation/sse-parser.js";
export { SseEventTooLargeError, SseParser } from "./revocation/sse-parser.js";
export { bearerTokenOf, defaultMaxTokenBytes } from "./tokens/bearer-token.js";
export type { VerifiedToken } from "./tokens/verified-token.js";
export { missingScopes, scopesOf } from "./tokens/verified-token.js";
export type { VerificationMode } from "./verification/token-verifier.js";
export { verificationModes } from "./verification/token-verifier.js";
