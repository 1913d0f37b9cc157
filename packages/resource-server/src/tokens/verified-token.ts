/**
 * What a verified access token tells a resource server: who it was issued to, for which client, with
 * which scopes, until when. Both verification modes produce this same shape.
 */
export interface VerifiedToken {
  /** The person (or, for client-credentials tokens, the client) the token was issued to. */
  readonly subject: string;
  /** The client the token was issued to (`client_id`), when the token says. */
  readonly clientId: string | undefined;
  /** The granted scopes. */
  readonly scopes: ReadonlySet<string>;
  /** The token's `jti`, when it has one: revocation events for a single token name it. */
  readonly tokenId: string | undefined;
  /** The grant the token was issued under, when the token says (claim `grant_id` or `gid`). */
  readonly grantId: string | undefined;
  /** Epoch seconds the token was issued at, when it says. */
  readonly issuedAtSeconds: number | undefined;
  /** Epoch seconds the token expires at, when it says. */
  readonly expiresAtSeconds: number | undefined;
}

/** Splits an OAuth `scope` value (space-separated) into a set; anything but a string gives no scopes. */
export function scopesOf(scope: unknown): ReadonlySet<string> {
  if (typeof scope !== "string") return new Set();
  return new Set(scope.split(" ").filter((value) => value.length > 0));
}

/** The scopes among `required` that the token lacks. */
export function missingScopes(token: VerifiedToken, required: readonly string[]): string[] {
  return required.filter((scope) => !token.scopes.has(scope));
}

/** Reads the facts of a `VerifiedToken` from a JWT payload or an RFC 7662 introspection response. */
export function verifiedTokenFromClaims(claims: Record<string, unknown>): VerifiedToken {
  return {
    subject: claims.sub as string,
    clientId: stringOrUndefined(claims.client_id),
    scopes: scopesOf(claims.scope),
    tokenId: stringOrUndefined(claims.jti),
    grantId: stringOrUndefined(claims.grant_id) ?? stringOrUndefined(claims.gid),
    issuedAtSeconds: numberOrUndefined(claims.iat),
    expiresAtSeconds: numberOrUndefined(claims.exp),
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
