/**
 * The observability package's error catalogue: every error a caller may handle is a class with a stable
 * `code`.
 */

export const observabilityErrorCodes = {
  /** A binary (prometheus, promtool, prometheus-alertmanager, amtool) is not installed. */
  BINARY_NOT_INSTALLED: "BINARY_NOT_INSTALLED",
  /** A spawned Prometheus or Alertmanager exited, or did not become ready in time. */
  PROCESS_START_FAILED: "PROCESS_START_FAILED",
  /** A scrape target has a bad service name or URL, or there are too many. */
  INVALID_SCRAPE_TARGET: "INVALID_SCRAPE_TARGET",
  /** Prometheus or Alertmanager rejected a configuration reload (the old configuration stays in force). */
  RELOAD_FAILED: "RELOAD_FAILED",
  /** An option is out of its documented range. */
  INVALID_OPTION: "INVALID_OPTION",
} as const;

export type ObservabilityErrorCode = keyof typeof observabilityErrorCodes;

export class ObservabilityError extends Error {
  readonly code: ObservabilityErrorCode;

  constructor(code: ObservabilityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ObservabilityError";
    this.code = code;
  }
}

/** `startPrometheus`/`startAlertmanager` found no binary to run; the message names the install command. */
export class BinaryNotInstalledError extends ObservabilityError {
  readonly binary: string;

  constructor(binary: string, message: string) {
    super("BINARY_NOT_INSTALLED", message);
    this.name = "BinaryNotInstalledError";
    this.binary = binary;
  }
}

/** The process exited before it was ready, or was not ready within its start timeout. */
export class ProcessStartError extends ObservabilityError {
  /** The end of the process's log, to show why. */
  readonly logTail: string;
  /** The process's id, when it was spawned; it has exited or been killed by the time this is thrown. */
  readonly pid: number | null;

  constructor(message: string, logTail: string, pid: number | null) {
    super("PROCESS_START_FAILED", logTail === "" ? message : `${message}\n${logTail}`);
    this.name = "ProcessStartError";
    this.logTail = logTail;
    this.pid = pid;
  }
}

export class InvalidScrapeTargetError extends ObservabilityError {
  constructor(message: string) {
    super("INVALID_SCRAPE_TARGET", message);
    this.name = "InvalidScrapeTargetError";
  }
}

export class InvalidOptionError extends ObservabilityError {
  constructor(message: string) {
    super("INVALID_OPTION", message);
    this.name = "InvalidOptionError";
  }
}

export class ReloadFailedError extends ObservabilityError {
  constructor(message: string) {
    super("RELOAD_FAILED", message);
    this.name = "ReloadFailedError";
  }
}
