/**
 * Verification by asking the authorization server (RFC 7662 token introspection), authenticated with the
 * resource server's own client credentials (`client_secret_basic`). Sees revocations the moment they
 * happen, at the price of a round trip per token — which the verification cache exists to save.
 */

import type { AuthorizationServer } from "../discovery/authorization-server.js";
import { InvalidTokenError, VerifierUnavailableError } from "../errors.js";
import { basicAuthorization } from "../http/basic-authorization.js";
import { type VerifiedToken, verifiedTokenFromClaims } from "../tokens/verified-token.js";
import type { TokenVerifier } from "./token-verifier.js";

export interface IntrospectionVerifierOptions {
  authorizationServer: AuthorizationServer;
  /** The audience (resource identifier) tokens must name in `aud`. */
  audience: string;
  /** This resource server's client id at the authorization server. */
  clientId: string;
  clientSecret: string;
  /** Time an introspection request may take, in milliseconds. Default: 5000. */
  requestTimeoutMs?: number;
  /** Clock skew tolerated on `exp`, in seconds. Default: 0. */
  clockToleranceSeconds?: number;
}

/** Largest introspection response read, in bytes. */
export const maxIntrospectionResponseBytes = 64 * 1024;

/** `token_type` values that name an access token usable as a Bearer credential. */
const accessTokenTypes = new Set(["bearer", "access_token", "dpop"]);

export class IntrospectionVerifier implements TokenVerifier {
  readonly mode = "introspection" as const;
  readonly #options: IntrospectionVerifierOptions;
  readonly #authorization: string;

  constructor(options: IntrospectionVerifierOptions) {
    this.#options = options;
    this.#authorization = basicAuthorization(options.clientId, options.clientSecret);
  }

  async verify(token: string): Promise<VerifiedToken> {
    const claims = await this.#introspect(token);
    return this.#accepted(claims);
  }

  async #introspect(token: string): Promise<Record<string, unknown>> {
    const { introspectionEndpoint } = await this.#options.authorizationServer.endpoints();
    let response: Response;
    let text: string;
    try {
      response = await fetch(introspectionEndpoint, {
        method: "POST",
        headers: {
          authorization: this.#authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 5000),
      });
      text = await response.text();
    } catch (error) {
      throw new VerifierUnavailableError("The introspection endpoint could not be reached.", {
        cause: error,
      });
    }
    if (response.status !== 200) {
      // 401 means our own client credentials were refused: a configuration fault, not the token's.
      throw new VerifierUnavailableError(`The introspection endpoint answered ${response.status}.`);
    }
    if (text.length > maxIntrospectionResponseBytes) {
      throw new VerifierUnavailableError("The introspection response is larger than expected.");
    }
    try {
      const claims: unknown = JSON.parse(text);
      if (typeof claims !== "object" || claims === null || Array.isArray(claims))
        throw new Error("not an object");
      return claims as Record<string, unknown>;
    } catch (error) {
      throw new VerifierUnavailableError("The introspection response is not a JSON object.", {
        cause: error,
      });
    }
  }

  #accepted(claims: Record<string, unknown>): VerifiedToken {
    if (claims.active !== true) {
      throw new InvalidTokenError("inactive", "The access token is not active: revoked, expired or unknown.");
    }
    const { authorizationServer, audience } = this.#options;
    if (claims.iss !== undefined && claims.iss !== authorizationServer.issuer) {
      throw new InvalidTokenError("issuer", "The access token comes from another issuer.");
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(audience)) {
      throw new InvalidTokenError("audience", "The access token is not meant for this resource.");
    }
    if (typeof claims.token_type === "string" && !accessTokenTypes.has(claims.token_type.toLowerCase())) {
      throw new InvalidTokenError("claims", "The token is not an access token.");
    }
    const nowSeconds = Date.now() / 1000;
    const toleranceSeconds = this.#options.clockToleranceSeconds ?? 0;
    if (typeof claims.exp === "number" && claims.exp + toleranceSeconds <= nowSeconds) {
      throw new InvalidTokenError("expired", "The access token has expired.");
    }
    // A client-credentials token acts for the client itself; RFC 9068 §2.2 makes its `sub` the client
    // id, which introspection responses leave out.
    const subject = nonEmptyString(claims.sub) ?? nonEmptyString(claims.client_id);
    if (subject === undefined) throw new InvalidTokenError("claims", "The access token names no subject.");
    return verifiedTokenFromClaims({ ...claims, sub: subject });
  }
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
