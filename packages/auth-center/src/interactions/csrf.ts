/**
 * CSRF protection for every form: a signed double-submit token. The browser holds a random value in an
 * HttpOnly, SameSite cookie; each form carries HMAC(key, value). A post is accepted only when the form's
 * token matches the cookie's value under our key — another site can make the browser send the cookie
 * but can neither read it nor compute the token.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const csrfCookieName = "hakobune_csrf";
const cookieValueBytes = 32;

export class CsrfTokens {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  /** A fresh value for the cookie. */
  newCookieValue(): string {
    return randomBytes(cookieValueBytes).toString("base64url");
  }

  tokenFor(cookieValue: string): string {
    return createHmac("sha256", this.#key).update(`csrf:${cookieValue}`).digest("base64url");
  }

  isValid(cookieValue: string | undefined, token: unknown): boolean {
    if (!cookieValue || typeof token !== "string" || token === "") return false;
    const expected = Buffer.from(this.tokenFor(cookieValue));
    const presented = Buffer.from(token);
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  }
}
