/**
 * Request ids: a caller's `x-request-id` is kept when it is safe to log and echo (at most
 * `maxRequestIdChars` characters of `[A-Za-z0-9._-]`); otherwise the service makes up a random one.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const requestIdHeader = "x-request-id";
/** Longest request id accepted from a caller, in characters. */
export const maxRequestIdChars = 128;

const acceptableRequestId = new RegExp(`^[A-Za-z0-9._-]{1,${maxRequestIdChars}}$`);

/** The caller's request id when acceptable, else a fresh random one. */
export function requestIdFor(request: IncomingMessage): string {
  const offered = request.headers[requestIdHeader];
  return typeof offered === "string" && acceptableRequestId.test(offered) ? offered : randomUUID();
}
