/**
 * The resource server's error catalogue. Every error a caller may handle is a class with a stable `code`;
 * each carries the HTTP status and the RFC 6750 `error` value (when there is one) its response uses.
 */

/** Base class of token verification errors; `code` is stable and safe to match on. */
export class ResourceServerError extends Error {
  readonly code: string;
  /** HTTP status of the response this error becomes. */
  readonly statusCode: number;
  /** The RFC 6750 error code for the `WWW-Authenticate` header, when the spec has one for this case. */
  readonly bearerError: "invalid_request" | "invalid_token" | "insufficient_scope" | undefined;

  constructor(
    code: string,
    message: string,
    statusCode: number,
    bearerError: ResourceServerError["bearerError"],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.bearerError = bearerError;
  }
}

/** The request carries no access token at all (RFC 6750 §3.1: a challenge without an error code). */
export class MissingTokenError extends ResourceServerError {
  constructor() {
    super(
      "TOKEN_MISSING",
      "This request needs an access token: send Authorization: Bearer <token>.",
      401,
      undefined,
    );
  }
}

/** The Authorization header is not a well-formed Bearer credential, or the token appears twice. */
export class MalformedRequestError extends ResourceServerError {
  constructor(message: string) {
    super("TOKEN_REQUEST_MALFORMED", message, 400, "invalid_request");
  }
}

/** Why a token was refused, as a stable word (also the `reason` in the response's details). */
export type InvalidTokenReason =
  | "malformed"
  | "signature"
  | "expired"
  | "not_yet_valid"
  | "issuer"
  | "audience"
  | "inactive"
  | "revoked"
  | "too_large"
  | "claims";

/** The token is expired, revoked, malformed, from another issuer, or for another audience. */
export class InvalidTokenError extends ResourceServerError {
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason, message: string, options?: ErrorOptions) {
    super("INVALID_TOKEN", message, 401, "invalid_token", options);
    this.reason = reason;
  }
}

/** The token is valid but lacks a scope the route requires. */
export class InsufficientScopeError extends ResourceServerError {
  readonly requiredScopes: readonly string[];

  constructor(requiredScopes: readonly string[]) {
    super(
      "INSUFFICIENT_SCOPE",
      `This request needs the scope${requiredScopes.length === 1 ? "" : "s"} ${requiredScopes.join(" ")}.`,
      403,
      "insufficient_scope",
    );
    this.requiredScopes = requiredScopes;
  }
}

/**
 * The authorization server (its discovery document, JWKS or introspection endpoint) could not be reached
 * or answered unusably, so the token could be neither accepted nor refused.
 */
export class VerifierUnavailableError extends ResourceServerError {
  constructor(message: string, options?: ErrorOptions) {
    super("TOKEN_VERIFIER_UNAVAILABLE", message, 503, undefined, options);
  }
}
