/** Reading the Cookie header and writing Set-Cookie, for the few cookies the auth-center's own pages use. */
import type { IncomingMessage } from "node:http";

/** Most cookies parsed from one header: a bound against hostile headers. */
const maxCookies = 50;

export function readCookie(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie ?? "";
  let parsed = 0;
  for (const part of header.split(";")) {
    if (++parsed > maxCookies) return undefined;
    const at = part.indexOf("=");
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

export interface CookieOptions {
  /** Send only over HTTPS: true when the issuer is https. */
  secure: boolean;
  /** Lifetime in seconds; a session cookie when absent. */
  maxAgeSeconds?: number;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const attributes = [`${name}=${encodeURIComponent(value)}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (options.secure) attributes.push("Secure");
  if (options.maxAgeSeconds !== undefined) attributes.push(`Max-Age=${options.maxAgeSeconds}`);
  return attributes.join("; ");
}
