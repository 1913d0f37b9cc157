/**
 * Local verification of JWT access tokens (RFC 9068) against the authorization server's JWKS. The key set
 * is fetched once and cached; a token signed with an unknown `kid` makes it refetch (rotated keys), but no
 * more often than once per `jwksCooldownMs`, so a stream of forged `kid`s cannot hammer the server.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { AuthorizationServer } from "../discovery/authorization-server.js";
import { InvalidTokenError, VerifierUnavailableError } from "../errors.js";
import { type VerifiedToken, verifiedTokenFromClaims } from "../tokens/verified-token.js";
import type { TokenVerifier } from "./token-verifier.js";

export interface JwtVerifierOptions {
  authorizationServer: AuthorizationServer;
  /** The audience (resource identifier) tokens must name in `aud`. */
  audience: string;
  /** Signature algorithms accepted. Default: ES256, PS256, RS256, EdDSA. */
  algorithms?: string[];
  /** Least time between two JWKS fetches caused by unknown `kid`s, in milliseconds. Default: 30000. */
  jwksCooldownMs?: number;
  /** Time after which the cached JWKS is refetched anyway, in milliseconds. Default: 600000. */
  jwksMaxAgeMs?: number;
  /** Time a JWKS fetch may take, in milliseconds. Default: 5000. */
  requestTimeoutMs?: number;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default: 0. */
  clockToleranceSeconds?: number;
}

export const defaultJwtAlgorithms = ["ES256", "PS256", "RS256", "EdDSA"];

export class JwtVerifier implements TokenVerifier {
  readonly mode = "jwt" as const;
  readonly #options: JwtVerifierOptions;
  #keys: JWTVerifyGetKey | undefined;

  constructor(options: JwtVerifierOptions) {
    this.#options = options;
  }

  async verify(token: string): Promise<VerifiedToken> {
    const keys = await this.#keySet();
    const { authorizationServer, audience } = this.#options;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: authorizationServer.issuer,
        audience,
        typ: "at+jwt",
        algorithms: this.#options.algorithms ?? defaultJwtAlgorithms,
        requiredClaims: ["exp", "sub"],
        clockTolerance: this.#options.clockToleranceSeconds ?? 0,
      });
      return verifiedTokenFromClaims(payload);
    } catch (error) {
      throw refusalFor(error);
    }
  }

  async #keySet(): Promise<JWTVerifyGetKey> {
    if (this.#keys !== undefined) return this.#keys;
    const { jwksUri } = await this.#options.authorizationServer.endpoints();
    this.#keys ??= createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: this.#options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: this.#options.jwksMaxAgeMs ?? 600_000,
      timeoutDuration: this.#options.requestTimeoutMs ?? 5000,
    });
    return this.#keys;
  }
}

/** Maps jose's errors onto ours: the token's fault becomes `invalid_token`, the key server's a 503. */
function refusalFor(error: unknown): Error {
  if (error instanceof errors.JWTExpired) {
    return new InvalidTokenError("expired", "The access token has expired.", { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "aud":
        return new InvalidTokenError("audience", "The access token is not meant for this resource.", {
          cause: error,
        });
      case "iss":
        return new InvalidTokenError("issuer", "The access token comes from another issuer.", {
          cause: error,
        });
      case "nbf":
      case "iat":
        return new InvalidTokenError("not_yet_valid", "The access token is not valid yet.", { cause: error });
      default:
        return new InvalidTokenError("claims", `The access token's ${error.claim} claim is unacceptable.`, {
          cause: error,
        });
    }
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || isNetworkFailure(error)) {
    return new VerifierUnavailableError("The authorization server's keys could not be fetched.", {
      cause: error,
    });
  }
  if (error instanceof VerifierUnavailableError) return error;
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new InvalidTokenError("signature", "The access token's signature does not verify.", {
      cause: error,
    });
  }
  return new InvalidTokenError("malformed", "The access token is not a well-formed JWT access token.", {
    cause: error,
  });
}

function isNetworkFailure(error: unknown): boolean {
  if (error instanceof TypeError && error.message === "fetch failed") return true;
  // jose reports a JWKS endpoint answering badly (an error status, not JSON) as a generic JOSEError.
  return error instanceof errors.JOSEError && error.message.includes("JSON Web Key Set HTTP response");
}
