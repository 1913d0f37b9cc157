/**
 * The service's pino logger: JSON, one line per event, written synchronously to standard output so that
 * nothing is lost when the process exits right after logging. Every line carries the service's name.
 */
import { type Logger, type LoggerOptions, pino } from "pino";

export type { Logger, LoggerOptions };

export function createLogger(serviceName: string, options: LoggerOptions): Logger {
  return pino(
    {
      base: { service: serviceName, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...options,
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
