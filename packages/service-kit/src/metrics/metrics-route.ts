/** `GET /metrics`: the service's registry in the Prometheus text format, for Prometheus to scrape. */
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get("/metrics", async (_request, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}
