/**
 * The `WWW-Authenticate: Bearer …` challenge of RFC 6750 §3 for a refused request: the realm, and for a
 * refused token the error code, a description, and the scope a route needs.
 */
import type { ResourceServerError } from "../errors.js";
import { InsufficientScopeError } from "../errors.js";

export function bearerChallenge(realm: string, error?: ResourceServerError): string {
  const parameters = [`realm=${quoted(realm)}`];
  if (error?.bearerError !== undefined) {
    parameters.push(`error=${quoted(error.bearerError)}`, `error_description=${quoted(error.message)}`);
  }
  if (error instanceof InsufficientScopeError)
    parameters.push(`scope=${quoted(error.requiredScopes.join(" "))}`);
  return `Bearer ${parameters.join(", ")}`;
}

/** RFC 6750 allows only printable ASCII other than `"` and `\` inside the quotes; anything else is left out. */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "")}"`;
}
