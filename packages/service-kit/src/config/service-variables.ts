/**
 * The variables every Hakobune service reads, named after the service's prefix: `PANTRY_PORT`,
 * `PANTRY_HOST`, `PANTRY_DRAIN_TIMEOUT_MS`, `PANTRY_BODY_LIMIT_BYTES`, and the shared `LOG_LEVEL`.
 * Spread them into a service's own spec: `loadConfig({ ...serviceVars("PANTRY", { port: 8082 }), … })`.
 */
import { enumVar, integerVar, stringVar } from "./variables.js";

export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

/** Default time in-flight requests get to finish after SIGTERM, in milliseconds. */
export const defaultDrainTimeoutMs = 10_000;
/** Default largest accepted request body, in bytes (1 MiB). */
export const defaultBodyLimitBytes = 1_048_576;
/** Largest drain timeout a service may be configured with, in milliseconds (10 minutes). */
export const maxDrainTimeoutMs = 600_000;

export interface ServiceVarDefaults {
  /** The service's conventional port (DESIGN.md's port table). */
  port: number;
  /** Interface to listen on. Default: `127.0.0.1`. */
  host?: string;
}

export function serviceVars(prefix: string, defaults: ServiceVarDefaults) {
  return {
    port: integerVar(`${prefix}_PORT`, defaults.port, { min: 0, max: 65_535 }),
    host: stringVar(`${prefix}_HOST`, defaults.host ?? "127.0.0.1"),
    logLevel: enumVar("LOG_LEVEL", logLevels, "info"),
    drainTimeoutMs: integerVar(`${prefix}_DRAIN_TIMEOUT_MS`, defaultDrainTimeoutMs, {
      min: 0,
      max: maxDrainTimeoutMs,
    }),
    bodyLimitBytes: integerVar(`${prefix}_BODY_LIMIT_BYTES`, defaultBodyLimitBytes, { min: 1 }),
  };
}
