/** Response headers for the auth-center's HTML pages: no caching, no framing, nothing but our stylesheet. */
import type { FastifyReply } from "fastify";

export const pageContentSecurityPolicy =
  "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

export function sendPage(reply: FastifyReply, statusCode: number, body: string): FastifyReply {
  return reply
    .code(statusCode)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("content-security-policy", pageContentSecurityPolicy)
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer")
    .header("x-content-type-options", "nosniff")
    .send(body);
}
