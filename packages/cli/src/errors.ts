/**
 * The CLI's error catalogue. A command throws a `CliError` for anything the user can fix; `main.ts`
 * prints its one-sentence message and exits with its `exitCode`. Anything else is a bug and is printed
 * with its stack.
 */
export type CliErrorCode =
  | "HAKOBUNE_CLI_USAGE"
  | "HAKOBUNE_CLI_ALREADY_RUNNING"
  | "HAKOBUNE_CLI_PORT_IN_USE"
  | "HAKOBUNE_CLI_SERVICE_FAILED";

export class CliError extends Error {
  readonly code: CliErrorCode;
  /** The process exit status `main.ts` uses for this error. */
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** An unknown command, an unknown or malformed flag, or an invalid environment variable (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super("HAKOBUNE_CLI_USAGE", message, 2);
  }
}

/** Another `hakobune up` is alive on the same data directory. */
export class AlreadyRunningError extends CliError {
  readonly pid: number;

  constructor(dataDir: string, pid: number) {
    super(
      "HAKOBUNE_CLI_ALREADY_RUNNING",
      `Hakobune is already running on ${dataDir} (pid ${pid}); stop it first or pass another --data-dir.`,
      1,
    );
    this.pid = pid;
  }
}

/** A service's port is taken before `up` starts it. */
export class PortInUseError extends CliError {
  readonly port: number;

  constructor(service: string, port: number, flag: string, envVar: string) {
    super(
      "HAKOBUNE_CLI_PORT_IN_USE",
      `Port ${port} for ${service} is already in use; free it or choose another with --${flag} or ${envVar}.`,
      1,
    );
    this.port = port;
  }
}

/** A service never became healthy while `up` was starting the platform, so `up` gave up. */
export class ServiceFailedError extends CliError {
  readonly service: string;

  /** `logHint` says where the service's log is ("see its log above"). */
  constructor(service: string, logHint: string) {
    super(
      "HAKOBUNE_CLI_SERVICE_FAILED",
      `${service} did not start after repeated attempts, so Hakobune stopped; ${logHint}.`,
      1,
    );
    this.service = service;
  }
}
