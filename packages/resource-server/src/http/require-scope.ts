/**
 * The Fastify side of a resource server: `requireScope(resourceServer, …scopes)` is a preHandler that
 * admits a request only with a valid access token holding every scope named, and refuses it otherwise
 * with RFC 6750's `WWW-Authenticate: Bearer` challenge and the service kit's JSON error body. Handlers
 * read the admitted token with `accessTokenOf(request)`.
 */
import { ServiceError } from "@hakobune/service-kit";
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { InsufficientScopeError, InvalidTokenError, ResourceServerError } from "../errors.js";
import type { ResourceServer } from "../resource-server.js";
import { missingScopes, type VerifiedToken } from "../tokens/verified-token.js";
import { bearerChallenge } from "./www-authenticate.js";

const admittedTokens = new WeakMap<FastifyRequest, VerifiedToken>();

/** Seconds a client is asked to wait before retrying while the authorization server is unreachable. */
export const verifierUnavailableRetryAfterSeconds = 1;

export function requireScope(
  resourceServer: ResourceServer,
  ...scopes: string[]
): preHandlerAsyncHookHandler {
  return async function admitWithScope(request: FastifyRequest, reply: FastifyReply) {
    try {
      const token = await resourceServer.authenticate(request.headers.authorization);
      if (missingScopes(token, scopes).length > 0) throw new InsufficientScopeError(scopes);
      admittedTokens.set(request, token);
    } catch (error) {
      if (!(error instanceof ResourceServerError)) throw error;
      if (error.statusCode === 503) {
        request.log.warn({ err: error.cause ?? error }, "access token could not be verified");
        reply.header("retry-after", String(verifierUnavailableRetryAfterSeconds));
      } else {
        reply.header("www-authenticate", bearerChallenge(resourceServer.realm, error));
      }
      throw new ServiceError(error.code, error.message, {
        statusCode: error.statusCode,
        ...(error instanceof InvalidTokenError ? { details: { reason: error.reason } } : {}),
        ...(error instanceof InsufficientScopeError
          ? { details: { requiredScopes: error.requiredScopes } }
          : {}),
      });
    }
  };
}

/** The token `requireScope` admitted the request with; throws when the route has no `requireScope`. */
export function accessTokenOf(request: FastifyRequest): VerifiedToken {
  const token = admittedTokens.get(request);
  if (token === undefined) throw new Error(`${request.routeOptions.url} has no requireScope preHandler`);
  return token;
}
