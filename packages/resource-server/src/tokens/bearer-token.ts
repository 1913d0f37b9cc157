/**
 * Reads the access token from a request's `Authorization: Bearer …` header (RFC 6750 §2.1). Tokens in
 * query strings or form bodies are not accepted: they end up in logs and browser histories.
 */
import { InvalidTokenError, MalformedRequestError, MissingTokenError } from "../errors.js";

/** Longest access token accepted, in bytes; a JWT access token of ours is well under 2 KiB. */
export const defaultMaxTokenBytes = 8192;

/** RFC 6750's `b64token`: the characters a Bearer credential may hold. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of a request's `Authorization` header value. Throws `MissingTokenError` when there is none,
 * `MalformedRequestError` when the header is not a Bearer credential, and `InvalidTokenError` when the
 * token is longer than `maxTokenBytes`.
 */
export function bearerTokenOf(
  authorization: string | string[] | undefined,
  maxTokenBytes = defaultMaxTokenBytes,
): string {
  if (authorization === undefined || authorization === "") throw new MissingTokenError();
  if (Array.isArray(authorization)) {
    throw new MalformedRequestError("The request has more than one Authorization header.");
  }
  const separator = authorization.indexOf(" ");
  const scheme = separator === -1 ? authorization : authorization.slice(0, separator);
  if (scheme.toLowerCase() !== "bearer") {
    throw new MalformedRequestError("The Authorization header must use the Bearer scheme.");
  }
  const token = authorization.slice(separator + 1).trim();
  if (token.length > maxTokenBytes) {
    throw new InvalidTokenError("too_large", `The access token is longer than ${maxTokenBytes} bytes.`);
  }
  if (separator === -1 || !b64token.test(token)) {
    throw new MalformedRequestError("The Authorization header does not hold a well-formed Bearer token.");
  }
  return token;
}
