/**
 * Lets oidc-provider's introspection and revocation endpoints answer for JWT access tokens, which it
 * otherwise refuses ("structured tokens cannot be introspected"). The request body is rewritten before
 * the provider sees it: a JWT whose signature verifies against our own keys and whose issuer is ours is
 * replaced by its handle (see StructuredTokenHandles); any other JWT by a value that matches nothing, so
 * the provider answers `active: false` (introspection) or 200 with nothing revoked (revocation), exactly
 * as RFC 7662 and RFC 7009 ask for unknown tokens. Client authentication and policy stay the provider's.
 */
import { compactVerify, decodeProtectedHeader, type JWTVerifyGetKey } from "jose";
import { signingAlgorithm } from "../keys/signing-keys.js";
import type { StructuredTokenHandles } from "../store/structured-token-handles.js";

/** A value that is neither a JWT nor an opaque token nor a handle, so it finds nothing. */
const matchesNothing = "unrecognized-token";

export async function rewriteStructuredToken(
  body: string,
  issuer: string,
  keys: JWTVerifyGetKey,
  handles: StructuredTokenHandles,
): Promise<string> {
  const params = new URLSearchParams(body);
  const tokens = params.getAll("token");
  // Leave malformed requests (no token, repeated token) for the provider to reject as it does.
  if (tokens.length !== 1 || !looksLikeJwt(tokens[0] ?? "")) return body;
  const jti = await jtiOfOurToken(tokens[0] ?? "", issuer, keys);
  params.set("token", jti === undefined ? matchesNothing : handles.handleFor(jti));
  return params.toString();
}

function looksLikeJwt(token: string): boolean {
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}

/** The token's `jti` if we signed it; expiry is left to the record, which reads as absent once expired. */
async function jtiOfOurToken(
  token: string,
  issuer: string,
  keys: JWTVerifyGetKey,
): Promise<string | undefined> {
  try {
    const { payload } = await compactVerify(token, keys, { algorithms: [signingAlgorithm] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; jti?: unknown };
    return claims.iss === issuer && typeof claims.jti === "string" ? claims.jti : undefined;
  } catch {
    return undefined;
  }
}
