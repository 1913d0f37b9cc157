/**
 * `createResourceServer`: everything a resource server needs to accept access tokens — a verifier in the
 * configured mode (local JWT verification or introspection), the verification cache in front of it, and
 * the subscription to revocation events that keeps the cache honest. Routes use `requireScope`.
 */
import type { preHandlerAsyncHookHandler } from "fastify";
import type { Registry } from "prom-client";
import { cacheKeyOf, VerificationCache, type VerificationCacheOptions } from "./cache/verification-cache.js";
import { AuthorizationServer } from "./discovery/authorization-server.js";
import { InvalidTokenError } from "./errors.js";
import { basicAuthorization } from "./http/basic-authorization.js";
import { requireScope } from "./http/require-scope.js";
import { createVerificationMetrics, type VerificationMetrics } from "./metrics/verification-metrics.js";
import type { RevocationEvent } from "./revocation/revocation-event.js";
import { RevocationList, type RevocationListOptions } from "./revocation/revocation-list.js";
import { RevocationStream, type RevocationStreamOptions } from "./revocation/revocation-stream.js";
import { bearerTokenOf, defaultMaxTokenBytes } from "./tokens/bearer-token.js";
import type { VerifiedToken } from "./tokens/verified-token.js";
import { IntrospectionVerifier } from "./verification/introspection-verifier.js";
import { JwtVerifier } from "./verification/jwt-verifier.js";
import type { TokenVerifier, VerificationMode } from "./verification/token-verifier.js";

/** The slice of a pino logger the resource server writes to. */
export interface ResourceServerLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface ResourceServerOptions {
  /** `jwt`: verify signatures locally against the JWKS; `introspection`: ask the authorization server. */
  mode: VerificationMode;
  /** The authorization server's issuer identifier, e.g. `http://localhost:8081`. */
  issuer: string;
  /** This resource's identifier, which tokens must name in `aud`, e.g. `urn:hakobune:pantry`. */
  audience: string;
  /** This resource server's client id, for introspection and the revocation stream. Required for `introspection`. */
  clientId?: string;
  clientSecret?: string;
  /** Overrides the discovered JWKS URL. */
  jwksUri?: string;
  /** Overrides the discovered introspection endpoint. */
  introspectionEndpoint?: string;
  /** The revocation event stream. Default: `<issuer>/events/revocations`. */
  revocationEventsUrl?: string;
  /** Subscribe to revocation events. Without them cached entries live their full `maxAgeMs`. Default: true. */
  revocationEvents?: boolean;
  cache?: VerificationCacheOptions;
  revocations?: RevocationListOptions;
  /** Reconnection and liveness bounds of the revocation stream. */
  stream?: Pick<
    RevocationStreamOptions,
    "initialBackoffMs" | "maxBackoffMs" | "idleTimeoutMs" | "maxEventChars"
  >;
  /** Time one request to the authorization server may take, in milliseconds. Default: 5000. */
  requestTimeoutMs?: number;
  /** Least time between JWKS refetches caused by unknown `kid`s, in milliseconds. Default: 30000. */
  jwksCooldownMs?: number;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default: 0. */
  clockToleranceSeconds?: number;
  /** Longest token accepted, in bytes. Default: 8192. */
  maxTokenBytes?: number;
  /** The `realm` of `WWW-Authenticate` challenges. Default: the audience. */
  realm?: string;
  /** Where the metrics go; without one they are not recorded. */
  registry?: Registry;
  log?: ResourceServerLog;
}

export class ResourceServer {
  readonly mode: VerificationMode;
  readonly realm: string;
  readonly maxTokenBytes: number;
  readonly #verifier: TokenVerifier;
  readonly #cache: VerificationCache;
  readonly #revocations: RevocationList;
  readonly #stream: RevocationStream | undefined;
  readonly #metrics: VerificationMetrics | undefined;
  readonly #log: ResourceServerLog | undefined;
  /** Verifications under way, by cache key: concurrent requests with one new token verify it once (with the cache on). */
  readonly #inFlight = new Map<string, Promise<VerifiedToken>>();

  constructor(options: ResourceServerOptions) {
    this.mode = options.mode;
    this.realm = options.realm ?? options.audience;
    this.maxTokenBytes = options.maxTokenBytes ?? defaultMaxTokenBytes;
    this.#log = options.log;
    this.#verifier = createVerifier(options);
    this.#cache = new VerificationCache(options.cache);
    this.#revocations = new RevocationList(options.revocations);
    this.#metrics =
      options.registry === undefined
        ? undefined
        : createVerificationMetrics(options.registry, () => this.#cache.size);
    if (options.revocationEvents ?? true) {
      this.#stream = new RevocationStream({
        ...options.stream,
        url: options.revocationEventsUrl ?? `${options.issuer.replace(/\/$/, "")}/events/revocations`,
        ...(options.clientId !== undefined && options.clientSecret !== undefined
          ? { authorization: basicAuthorization(options.clientId, options.clientSecret) }
          : {}),
        onRevocation: (event) => this.applyRevocation(event),
        onConnectionChange: (connected) => this.#onStreamConnectionChange(connected),
        onError: (reason) =>
          this.#log?.warn({ reason }, "revocation events unavailable; cached verifications age out sooner"),
      });
      this.#stream.start();
    }
  }

  /** True while revocation events are being received. */
  get revocationStreamConnected(): boolean {
    return this.#stream?.connected ?? false;
  }

  /**
   * The verified token, from the cache or the verifier. Throws `InvalidTokenError` for a token to refuse
   * and `VerifierUnavailableError` when the authorization server cannot say.
   */
  async verify(token: string): Promise<VerifiedToken> {
    const key = cacheKeyOf(token);
    if (this.#cache.enabled) {
      const cached = this.#cache.get(key, this.#degraded);
      this.#metrics?.cacheLookups.inc({ result: cached === undefined ? "miss" : "hit" });
      if (cached !== undefined) return cached;
    }
    // Sharing one verification among concurrent requests is caching too: without a cache, each verifies.
    if (!this.#cache.enabled) return this.#verifyAtVerifier(key, token);
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#verifyAtVerifier(key, token).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  /** The verified token of a request's `Authorization: Bearer` header; see `verify` for the errors. */
  authenticate(authorization: string | string[] | undefined): Promise<VerifiedToken> {
    try {
      return this.verify(bearerTokenOf(authorization, this.maxTokenBytes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A Fastify preHandler admitting only requests whose token holds every scope named (see `requireScope`). */
  requireScope(...scopes: string[]): preHandlerAsyncHookHandler {
    return requireScope(this, ...scopes);
  }

  /** Drops cached verifications the event names and refuses its tokens from now on. */
  applyRevocation(event: RevocationEvent): void {
    // Introspection sees a grant's revocation itself; local verification only learns of it here.
    this.#revocations.add(event, { grantCoversSubject: this.mode === "jwt" });
    const dropped = this.#cache.drop(
      event.kind === "token"
        ? { tokenId: event.jti }
        : // Tokens need not name their grant, so a grant's revocation also drops its subject's entries.
          { grantId: event.grantId, subject: event.sub },
    );
    this.#metrics?.revocationsApplied.inc({ kind: event.kind });
    this.#log?.info({ kind: event.kind, dropped }, "revocation applied");
  }

  /** Stops the revocation stream. */
  async close(): Promise<void> {
    await this.#stream?.stop();
  }

  get #degraded(): boolean {
    return this.#stream !== undefined && !this.#stream.connected;
  }

  async #verifyAtVerifier(key: string, token: string): Promise<VerifiedToken> {
    const mode = this.#verifier.mode;
    let verified: VerifiedToken;
    try {
      verified = await this.#verifier.verify(token);
    } catch (error) {
      const result = error instanceof InvalidTokenError ? "invalid" : "unavailable";
      this.#metrics?.verifications.inc({ mode, result });
      throw error;
    }
    if (this.#revocations.isRevoked(verified)) {
      this.#metrics?.verifications.inc({ mode, result: "revoked" });
      throw new InvalidTokenError("revoked", "The access token has been revoked.");
    }
    this.#metrics?.verifications.inc({ mode, result: "valid" });
    this.#cache.set(key, verified);
    return verified;
  }

  #onStreamConnectionChange(connected: boolean): void {
    this.#metrics?.revocationStreamConnected.set(connected ? 1 : 0);
    if (!connected) return;
    // Events published while we were away may be lost (an authorization server restart forgets its
    // replay buffer), so nothing verified before this moment is trusted further.
    this.#cache.clear();
    this.#log?.info({}, "revocation events connected");
  }
}

export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  return new ResourceServer(options);
}

function createVerifier(options: ResourceServerOptions): TokenVerifier {
  const { issuer, jwksUri, introspectionEndpoint, requestTimeoutMs } = options;
  const authorizationServer = new AuthorizationServer({
    issuer,
    jwksUri,
    introspectionEndpoint,
    requestTimeoutMs,
  });
  const common = {
    authorizationServer,
    audience: options.audience,
    requestTimeoutMs,
    clockToleranceSeconds: options.clockToleranceSeconds,
  };
  if (options.mode === "jwt") return new JwtVerifier({ ...common, jwksCooldownMs: options.jwksCooldownMs });
  if (options.clientId === undefined || options.clientSecret === undefined) {
    throw new TypeError("introspection needs the resource server's clientId and clientSecret");
  }
  return new IntrospectionVerifier({
    ...common,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  });
}
