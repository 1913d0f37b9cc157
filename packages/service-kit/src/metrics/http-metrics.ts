/**
 * RED metrics for every route: `http_requests_total` and `http_request_duration_seconds`, labelled with
 * the route *pattern* (`/recipes/:id`), never the raw URL, so that the number of series stays bounded;
 * requests no route matches share `route="unmatched"`.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, Histogram, type Registry } from "prom-client";

/** Histogram buckets of request durations, in seconds: from 5 ms to 10 s. */
export const requestDurationBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `route` label of requests that match no route. */
export const unmatchedRoute = "unmatched";

const labelNames = ["route", "method", "status"] as const;

export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by route pattern, method and status.",
    labelNames,
    registers: [registry],
  });
  const durations = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving an HTTP request to finishing its response, in seconds.",
    labelNames,
    buckets: requestDurationBucketsSeconds,
    registers: [registry],
  });

  app.addHook("onResponse", async (request, reply) => {
    const labels = { route: routeLabel(request), method: request.method, status: String(reply.statusCode) };
    requests.inc(labels);
    durations.observe(labels, reply.elapsedTime / 1000);
  });
}

function routeLabel(request: FastifyRequest): string {
  return request.is404 ? unmatchedRoute : (request.routeOptions.url ?? unmatchedRoute);
}
