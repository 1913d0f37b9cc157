/**
 * Handles for signed (JWT) access tokens. oidc-provider introspects and revokes only tokens it can look
 * up by value, and refuses JWTs outright; we keep a record of every JWT access token under its `jti` and
 * let the introspection and revocation endpoints look it up through a handle `<jti>.<mac>`. The MAC
 * (HMAC-SHA-256 under a key only the auth-center holds) means nobody can turn a `jti` — which resource
 * servers may log freely — into a usable token reference: only the auth-center mints handles, and only
 * after verifying the JWT's signature.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const separator = ".";

export class StructuredTokenHandles {
  readonly #key: Buffer;

  /** `key`: at least 32 random bytes, shared by every instance behind one issuer. */
  constructor(key: Buffer) {
    if (key.length < 32) throw new RangeError("the structured token handle key must be at least 32 bytes");
    this.#key = key;
  }

  handleFor(jti: string): string {
    return `${jti}${separator}${this.#mac(jti)}`;
  }

  /** The `jti` a genuine handle names, or `undefined` for anything else (an opaque token, a forgery). */
  jtiOf(value: string): string | undefined {
    const at = value.lastIndexOf(separator);
    if (at <= 0) return undefined;
    const jti = value.slice(0, at);
    const presented = Buffer.from(value.slice(at + 1));
    const expected = Buffer.from(this.#mac(jti));
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    return jti;
  }

  #mac(jti: string): string {
    return createHmac("sha256", this.#key).update(`structured-token:${jti}`).digest("base64url");
  }
}
