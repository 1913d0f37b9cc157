/**
 * recipe-app's command dispatcher: global options (`--issuer`, `--pantry`, `--client-id`, `--config-dir`,
 * `--no-browser`) anywhere on the line, then `login`, `logout`, `whoami` or `recipes …`. Returns the exit
 * code; failures are one sentence on standard error.
 */
import { Session } from "./auth/session.js";
import { openInSystemBrowser } from "./auth/system-browser.js";
import { TokenStore } from "./auth/token-store.js";
import type { Output } from "./commands/output.js";
import { recipesCommand, recipesUsage } from "./commands/recipes-command.js";
import { type ConfigOptions, resolveConfig } from "./config/app-config.js";
import { exitCodes, NotLoggedInError, RecipeAppError, UsageError } from "./errors.js";
import { PantryClient } from "./pantry/pantry-client.js";

export const usage = `Usage: recipe-app [--issuer URL] [--pantry URL] [--client-id ID] [--config-dir DIR] [--no-browser] <command>

recipe-app login      sign in with auth-center in your browser
recipe-app logout     revoke your tokens at auth-center and forget them
recipe-app whoami     show the saved session
${recipesUsage}`;

export interface CliContext {
  env: NodeJS.ProcessEnv;
  output: Output;
  /** Reads all of standard input (for `--file -`). */
  stdin: () => Promise<string>;
}

const globalValueOptions = {
  "--issuer": "issuer",
  "--pantry": "pantry",
  "--client-id": "clientId",
  "--config-dir": "configDir",
} as const;

export async function runRecipeApp(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    const { options, rest } = globalOptionsOf(argv);
    const config = resolveConfig(options, context.env);
    const store = new TokenStore(config.configDir);
    const session = new Session(config, store);
    const [command, ...args] = rest;
    switch (command) {
      case "login": {
        if (args.length > 0) throw new UsageError("login takes no arguments.");
        const saved = await session.login({
          showAuthorizationUrl(url) {
            const opened = config.openBrowser && openInSystemBrowser(url, context.env);
            context.output.note(
              opened
                ? "Your browser has been opened to sign in. If it has not, open:"
                : "Open this page to sign in:",
            );
            context.output.line(url);
          },
        });
        context.output.note(
          `Signed in (scopes: ${saved.scope ?? "unknown"}). Session saved in ${store.path}.`,
        );
        return exitCodes.ok;
      }
      case "logout": {
        if (args.length > 0) throw new UsageError("logout takes no arguments.");
        const signedOut = await session.logout();
        context.output.note(signedOut ? "Signed out; your tokens are revoked." : "You were not signed in.");
        return exitCodes.ok;
      }
      case "whoami": {
        const saved = await store.load();
        if (saved === undefined) throw new NotLoggedInError();
        context.output.json({
          issuer: saved.issuer,
          clientId: saved.clientId,
          scope: saved.scope,
          accessTokenExpiresAt: new Date(saved.expiresAt * 1000).toISOString(),
          canRefresh: saved.refreshToken !== undefined,
        });
        return exitCodes.ok;
      }
      case "recipes":
        await recipesCommand(
          args,
          new PantryClient(config.pantryUrl, session),
          context.output,
          context.stdin,
        );
        return exitCodes.ok;
      case undefined:
      case "help":
      case "--help":
        context.output.line(usage);
        return command === undefined ? exitCodes.usage : exitCodes.ok;
      default:
        throw new UsageError(`Unknown command ${JSON.stringify(command)}.\n${usage}`);
    }
  } catch (error) {
    if (error instanceof RecipeAppError) {
      context.output.note(`recipe-app: ${error.message}`);
      return error.exitCode;
    }
    context.output.note(
      `recipe-app: unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    );
    return exitCodes.failed;
  }
}

function globalOptionsOf(argv: readonly string[]): { options: ConfigOptions; rest: string[] } {
  const options: ConfigOptions = {};
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--no-browser") {
      options.noBrowser = true;
      continue;
    }
    const [name, inlineValue] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const key = globalValueOptions[name as keyof typeof globalValueOptions];
    if (key === undefined) {
      rest.push(arg);
      continue;
    }
    const value = inlineValue ?? argv[++index];
    if (value === undefined) throw new UsageError(`${name} needs a value.`);
    options[key] = value;
  }
  return { options, rest };
}
