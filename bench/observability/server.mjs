/**
 * One server of the metrics-overhead benchmark, on a free port of 127.0.0.1; prints `listening <url>`.
 * Every variant answers `GET /hello` with the same small JSON body:
 *
 *   fastify                  plain Fastify, no logger, no metrics: the reference line
 *   service-kit-no-metrics   createService({ metrics: false }): request ids, trace context, drain gate,
 *                            error shape, JSON logs at level warn (so that per-request log lines do not
 *                            blur the comparison); no RED hook, no default metrics, no /metrics
 *   service-kit              the same service with metrics, as every service runs
 *
 * Usage: node bench/observability/server.mjs <variant>. Build first (`npx tsc -b`): it loads service-kit's dist/.
 */
import Fastify from "fastify";
import { createService, startService } from "../../packages/service-kit/dist/index.js";

const variants = ["fastify", "service-kit-no-metrics", "service-kit"];
const variant = process.argv[2];
if (!variants.includes(variant)) {
  console.error(`usage: server.mjs <${variants.join("|")}>, got ${JSON.stringify(variant)}`);
  process.exit(2);
}

const hello = async () => ({ hello: "world" });
let url;
if (variant === "fastify") {
  const app = Fastify({ logger: false });
  app.get("/hello", hello);
  url = await app.listen({ port: 0, host: "127.0.0.1" });
} else {
  const service = createService({ name: "bench", logLevel: "warn", metrics: variant === "service-kit" });
  service.app.get("/hello", hello);
  ({ url } = await startService(service, { port: 0 }));
}
console.log(`listening ${url}`);
process.on("SIGTERM", () => process.exit(0));
