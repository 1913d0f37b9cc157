/**
 * `createService`: the Fastify app every Hakobune HTTP service starts from, with health and readiness
 * routes, Prometheus metrics in a registry of its own, JSON logs carrying request and trace ids, one JSON
 * error shape, and the switch graceful shutdown flips.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { type FastifyBaseLogger, type FastifyInstance, fastify, LogController } from "fastify";
import type { Registry } from "prom-client";
import { defaultBodyLimitBytes, type LogLevel } from "./config/service-variables.js";
import { registerHealthRoutes } from "./health/health-routes.js";
import { type ReadinessCheck, ReadinessChecks } from "./health/readiness-checks.js";
import { installErrorResponses } from "./http/error-responses.js";
import { requestIdFor } from "./http/request-id.js";
import { installRequestTracing } from "./http/request-tracing.js";
import { traceContextOf } from "./http/trace-context.js";
import { DrainGate } from "./lifecycle/drain-gate.js";
import { createLogger, type Logger, type LoggerOptions } from "./logging/logger.js";
import { registerHttpMetrics } from "./metrics/http-metrics.js";
import { registerMetricsRoute } from "./metrics/metrics-route.js";
import { createMetricsRegistry } from "./metrics/registry.js";

export interface ServiceOptions {
  /** The service's name: the `service` label of its metrics and the `service` field of its logs. */
  name: string;
  /** Largest request body accepted, in bytes; larger ones get 413 `BODY_TOO_LARGE`. Default: 1048576 (1 MiB). */
  bodyLimitBytes?: number;
  /** Lowest level logged. Default: `info`. */
  logLevel?: LogLevel;
  /** `false` silences the log; an object adds pino options. Default: `true`. */
  logger?: boolean | LoggerOptions;
  /** Readiness checks to start with, by name; more can be added with `addReadinessCheck`. */
  readinessChecks?: Record<string, ReadinessCheck>;
  /** Time one readiness check may take before it counts as failed, in milliseconds. Default: 2000. */
  readinessCheckTimeoutMs?: number;
  /**
   * `false` leaves metrics out: no `GET /metrics` (it answers 404 `NOT_FOUND`), no per-request RED hook
   * and no default process metrics. `registry` still takes the service's own metrics, but nothing exposes
   * it. Default: `true`.
   */
  metrics?: boolean;
}

export interface Service {
  readonly name: string;
  /** Register the service's routes and plugins here. */
  readonly app: FastifyInstance;
  /**
   * The service's own Prometheus registry, served at `GET /metrics` unless `metrics` is `false`: add the
   * service's metrics with `registers: [registry]`.
   */
  readonly registry: Registry;
  /** The service's logger, for events outside a request (inside one, use `request.log`). */
  readonly log: Logger;
  /** Adds a check `GET /readyz` runs; it fails the check by throwing. */
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  /** True once shutdown has started. */
  readonly draining: boolean;
  /** Refuses new requests with 503 and closes connections after their response (shutdown calls this). */
  startDraining(): void;
}

export function createService(options: ServiceOptions): Service {
  const {
    name,
    bodyLimitBytes = defaultBodyLimitBytes,
    logLevel = "info",
    logger = true,
    metrics = true,
  } = options;
  if (!Number.isSafeInteger(bodyLimitBytes) || bodyLimitBytes < 1) {
    throw new RangeError(`bodyLimitBytes must be a positive integer, got ${bodyLimitBytes}`);
  }
  const log = createLogger(name, {
    level: logLevel,
    ...(typeof logger === "object" ? logger : {}),
    ...(logger === false ? { enabled: false } : {}),
  });
  const app: FastifyInstance = fastify<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: log,
    bodyLimit: bodyLimitBytes,
    genReqId: requestIdFor,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: "requestId" }),
    childLoggerFactory(parent, bindings, childOptions, rawRequest) {
      const trace = traceContextOf(rawRequest);
      if (trace === undefined) return parent.child(bindings, childOptions);
      return parent.child({ ...bindings, traceId: trace.traceId, spanId: trace.spanId }, childOptions);
    },
    // The drain gate answers such requests itself, in the kit's error shape.
    return503OnClosing: false,
  });

  const registry = createMetricsRegistry(name, { processMetrics: metrics });
  const readiness = new ReadinessChecks(options.readinessCheckTimeoutMs);
  for (const [checkName, check] of Object.entries(options.readinessChecks ?? {})) {
    readiness.add(checkName, check);
  }
  const drainGate = new DrainGate();

  installRequestTracing(app);
  drainGate.install(app);
  if (metrics) registerHttpMetrics(app, registry);
  installErrorResponses(app);
  registerHealthRoutes(app, readiness);
  if (metrics) registerMetricsRoute(app, registry);

  return {
    name,
    app,
    registry,
    log,
    addReadinessCheck: (checkName, check) => readiness.add(checkName, check),
    get draining() {
      return drainGate.draining;
    },
    startDraining: () => drainGate.startDraining(),
  };
}
