/**
 * The service kit: what every Hakobune HTTP service starts from. Other packages import only from here.
 */

export type { ConfigSpec, ConfigValues } from "./config/load-config.js";
export { loadConfig } from "./config/load-config.js";
export type { LogLevel, ServiceVarDefaults } from "./config/service-variables.js";
export {
  defaultBodyLimitBytes,
  defaultDrainTimeoutMs,
  logLevels,
  maxDrainTimeoutMs,
  serviceVars,
} from "./config/service-variables.js";
export type { ConfigVariable, Environment, IntegerBounds } from "./config/variables.js";
export { booleanVar, enumVar, integerVar, stringVar } from "./config/variables.js";
export type { ErrorBody, ErrorCode, ServiceErrorOptions } from "./errors.js";
export { ConfigError, errorBody, errorBodySchema, errorCodes, ServiceError } from "./errors.js";
export type { ReadinessCheck } from "./health/readiness-checks.js";
export { defaultReadinessCheckTimeoutMs } from "./health/readiness-checks.js";
export { maxRequestIdChars, requestIdHeader } from "./http/request-id.js";
export type { TraceContext } from "./http/trace-context.js";
export { outgoingTraceHeaders, parseTraceparent } from "./http/trace-context.js";
export type { ServiceStartup } from "./lifecycle/run-service.js";
export { exitCodes, runService } from "./lifecycle/run-service.js";
export type { RunningService, ShutdownOutcome, StartOptions } from "./lifecycle/start-service.js";
export { startService } from "./lifecycle/start-service.js";
export type { Logger, LoggerOptions } from "./logging/logger.js";
export { requestDurationBucketsSeconds, unmatchedRoute } from "./metrics/http-metrics.js";
export type {
  PlainCounterOptions,
  PlainCounterSeries,
  PlainHistogramOptions,
  PlainHistogramSeries,
  PlainSeriesLabels,
  PlainSeriesSource,
  RecordedHistogramSeries,
} from "./metrics/plain-series.js";
export {
  emptyHistogramSeries,
  recordSeconds,
  registerPlainCounter,
  registerPlainHistogram,
} from "./metrics/plain-series.js";
export type { Service, ServiceOptions } from "./service.js";
export { createService } from "./service.js";
