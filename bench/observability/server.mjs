/**
 * One server of the metrics-overhead benchmark, on a free port of 127.0.0.1; prints `listening <url>`.
 * Every variant answers `GET /hello` with the same small JSON body:
 *
 *   fastify               plain Fastify, no logger, no metrics
 *   fastify-metrics       the same plus service-kit's own RED metrics hook and registry (the code
 *                         createService installs), and GET /metrics
 *   service-kit           createService: metrics, request ids, trace context, drain gate, error shape, JSON
 *                         logs at level warn (so that per-request log lines do not blur the comparison)
 *
 * Usage: node bench/observability/server.mjs <variant>. Build first (`npx tsc -b`): it loads service-kit's dist/.
 */
import Fastify from "fastify";
import { createService, startService } from "../../packages/service-kit/dist/index.js";
import { registerHttpMetrics } from "../../packages/service-kit/dist/metrics/http-metrics.js";
import { registerMetricsRoute } from "../../packages/service-kit/dist/metrics/metrics-route.js";
import { createMetricsRegistry } from "../../packages/service-kit/dist/metrics/registry.js";

const variants = ["fastify", "fastify-metrics", "service-kit"];
const variant = process.argv[2];
if (!variants.includes(variant)) {
  console.error(`usage: server.mjs <${variants.join("|")}>, got ${JSON.stringify(variant)}`);
  process.exit(2);
}

const hello = async () => ({ hello: "world" });
let url;
if (variant === "service-kit") {
  const service = createService({ name: "bench", logLevel: "warn" });
  service.app.get("/hello", hello);
  ({ url } = await startService(service, { port: 0 }));
} else {
  const app = Fastify({ logger: false });
  if (variant === "fastify-metrics") {
    const registry = createMetricsRegistry("bench");
    registerHttpMetrics(app, registry);
    registerMetricsRoute(app, registry);
  }
  app.get("/hello", hello);
  url = await app.listen({ port: 0, host: "127.0.0.1" });
}
console.log(`listening ${url}`);
process.on("SIGTERM", () => process.exit(0));
