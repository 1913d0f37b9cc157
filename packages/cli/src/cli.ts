/**
 * Dispatch of a `hakobune` command line to its subcommand; a `CliError` becomes its one-sentence
 * message on stderr and its exit status.
 */
import { CliError, UsageError } from "./errors.js";

type Command = (argv: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;

/**
 * Commands are imported on first use, so `hakobune status` does not load the storage engine and a
 * broken service package cannot break the commands that do not run it.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  up: async () => (await import("./commands/up.js")).up,
  status: async () => (await import("./commands/status.js")).status,
  storage: async () => (await import("./commands/storage.js")).storage,
  auth: async () => (await import("./commands/auth.js")).auth,
  dashboards: async () => (await import("./commands/dashboards.js")).dashboards,
  help: async () => (await import("./commands/help.js")).help,
};

function commandNamed(name: string): (() => Promise<Command>) | undefined {
  if (name === "--help" || name === "-h") return COMMANDS.help;
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** Runs the command line `argv` (without node and script) and resolves to the exit status. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name = "help", ...rest] = argv;
  try {
    const load = commandNamed(name);
    if (load === undefined) {
      throw new UsageError(`Unknown command "${name}"; run "hakobune help" for the list of commands.`);
    }
    return await (await load())(rest, env);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`hakobune: ${error.message}\n`);
    return error.exitCode;
  }
}
