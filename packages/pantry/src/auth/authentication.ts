/**
 * How pantry's routes learn who calls: normally through the resource server (a verified access token
 * holding the route's scope). `HAKOBUNE_PANTRY_INSECURE_NO_AUTH=1` turns checking off so that benchmarks
 * can measure what verification costs; every request is then the fixed `anonymous` caller. Never set it
 * where anyone but you can reach pantry.
 */
import { accessTokenOf, type ResourceServer } from "@hakobune/resource-server";
import type { FastifyRequest, preHandlerAsyncHookHandler } from "fastify";

export const anonymousCallerId = "anonymous";

export interface Authentication {
  /** The preHandler a route needing `scope` declares. */
  requireScope(scope: string): preHandlerAsyncHookHandler;
  /** The subject the request acts for. */
  callerOf(request: FastifyRequest): string;
}

export function tokenAuthentication(resourceServer: ResourceServer): Authentication {
  return {
    requireScope: (scope) => resourceServer.requireScope(scope),
    callerOf: (request) => accessTokenOf(request).subject,
  };
}

export function insecureNoAuthentication(): Authentication {
  return {
    requireScope: () => async () => {},
    callerOf: () => anonymousCallerId,
  };
}
