/**
 * RED metrics for every route: `http_requests_total` and `http_request_duration_seconds`, labelled with
 * the route *pattern* (`/recipes/:id`), never the raw URL, so that the number of series stays bounded;
 * requests no route matches share `route="unmatched"`.
 *
 * The hook runs on every request, so it does as little as it can: it is a callback hook (an async one
 * costs a promise and a microtask), reads the duration Fastify has already measured for the response
 * (`reply.elapsedTime`, from `performance.now()` at the start and at the finish), and adds to a series
 * found by three Map lookups (see `http-request-series.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { Registry } from "prom-client";
import { HttpRequestSeries } from "./http-request-series.js";

/** Histogram buckets of request durations, in seconds: from 5 ms to 10 s. */
export const requestDurationBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `route` label of requests that match no route. */
export const unmatchedRoute = "unmatched";

const millisecondsPerSecond = 1000;

export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const series = new HttpRequestSeries({ bucketsSeconds: requestDurationBucketsSeconds });
  series.registerIn(registry);

  app.addHook(
    "onResponse",
    (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      series.record(
        routeLabel(request),
        request.method,
        reply.statusCode,
        reply.elapsedTime / millisecondsPerSecond,
      );
      done();
    },
  );
}

function routeLabel(request: FastifyRequest): string {
  // `is404` is a field read; `routeOptions` builds an object, so it is read only for matched routes.
  return request.is404 ? unmatchedRoute : (request.routeOptions.url ?? unmatchedRoute);
}
