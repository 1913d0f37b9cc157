/**
 * Prometheus duration strings (`90s`, `5m`, `1h`) from whole seconds, checked to be in range, for the
 * configuration and rule files this package writes.
 */
import { InvalidOptionError } from "../errors.js";

/** Longest duration an option of this package accepts, in seconds (one week). */
export const maxDurationSeconds = 7 * 24 * 60 * 60;

/** `seconds` as a Prometheus duration, in the largest unit that divides it: 300 → `5m`, 90 → `90s`. */
export function prometheusDuration(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Throws `InvalidOptionError` unless `seconds` is a whole number from `min` to `maxDurationSeconds`. */
export function checkDurationSeconds(option: string, seconds: number, min = 1): number {
  if (!Number.isSafeInteger(seconds) || seconds < min || seconds > maxDurationSeconds) {
    throw new InvalidOptionError(
      `${option} must be a whole number of seconds from ${min} to ${maxDurationSeconds}, got ${seconds}`,
    );
  }
  return seconds;
}
