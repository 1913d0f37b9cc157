/**
 * Flag parsing shared by every command: `node:util` `parseArgs` in strict mode, with its errors turned
 * into one-sentence `UsageError`s, plus the value checks (ports, data directory) several commands need.
 */
import { resolve } from "node:path";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { UsageError } from "./errors.js";

/** Where runtime data lives when neither `--data-dir` nor `HAKOBUNE_DATA_DIR` says otherwise. */
export const DEFAULT_DATA_DIR = ".hakobune";
export const DATA_DIR_ENV_VAR = "HAKOBUNE_DATA_DIR";

const HIGHEST_PORT = 65_535;

/** The `--help` flag every command accepts. */
export const HELP_OPTION = {
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

type ParsedValues<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: T }>>["values"];

/** Parses `argv` (the words after the command name) against `options`; no positionals are accepted. */
export function parseCommandFlags<T extends ParseArgsOptionsConfig>(
  command: string,
  argv: readonly string[],
  options: T,
): ParsedValues<T> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(describeParseError(command, error));
  }
}

function describeParseError(command: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  const hint = `run "hakobune ${command} --help" for usage`;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown option ${quoted ?? ""} for "hakobune ${command}"; ${hint}.`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `Option ${(quoted ?? "").split(" ")[0]} of "hakobune ${command}" needs a value; ${hint}.`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Unexpected argument ${quoted ?? ""} for "hakobune ${command}"; ${hint}.`;
    default:
      return `Invalid arguments for "hakobune ${command}"; ${hint}.`;
  }
}

/** Parses a TCP port; `source` names where the value came from (`--storage-port`, `HAKOBUNE_STORAGE_PORT`). */
export function parsePort(value: string, source: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > HIGHEST_PORT) {
    throw new UsageError(`${source} must be a port number from 1 to ${HIGHEST_PORT}, not "${value}".`);
  }
  return port;
}

/**
 * The port a service listens on: the flag wins over the environment variable, which wins over the
 * default.
 */
export function resolvePort(
  flagValue: string | undefined,
  flagName: string,
  env: NodeJS.ProcessEnv,
  envVar: string,
  defaultPort: number,
): number {
  if (flagValue !== undefined) return parsePort(flagValue, `--${flagName}`);
  const fromEnv = env[envVar];
  if (fromEnv !== undefined && fromEnv !== "") return parsePort(fromEnv, envVar);
  return defaultPort;
}

/** The absolute data directory: `--data-dir`, else `HAKOBUNE_DATA_DIR`, else `./.hakobune`. */
export function resolveDataDir(flagValue: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flagValue === "") throw new UsageError("--data-dir must not be empty.");
  const fromEnv = env[DATA_DIR_ENV_VAR];
  return resolve(flagValue ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_DATA_DIR));
}
