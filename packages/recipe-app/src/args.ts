/**
 * A small command-line parser: positionals, `--name value`, `--name=value`, repeatable options collected
 * in order, and boolean flags. Unknown options are usage errors, so a typo never passes silently.
 */
import { UsageError } from "./errors.js";

export interface OptionSpec {
  /** Options that take a value, e.g. `title`. */
  values?: readonly string[];
  /** Options that take a value and may repeat, e.g. `step`. */
  repeated?: readonly string[];
  /** Options without a value, e.g. `json`. */
  flags?: readonly string[];
}

export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  repeated: Map<string, string[]>;
  flags: Set<string>;
}

/** Most arguments read from one command line. */
export const maxArguments = 1000;

export function parseArgs(args: readonly string[], spec: OptionSpec): ParsedArgs {
  if (args.length > maxArguments) throw new UsageError(`At most ${maxArguments} arguments are accepted.`);
  const parsed: ParsedArgs = { positionals: [], values: new Map(), repeated: new Map(), flags: new Set() };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "--") {
      parsed.positionals.push(...args.slice(index + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      parsed.positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    if (spec.flags?.includes(name)) {
      if (equals !== -1) throw new UsageError(`--${name} takes no value.`);
      parsed.flags.add(name);
      continue;
    }
    const takesValue = spec.values?.includes(name) || spec.repeated?.includes(name);
    if (!takesValue) throw new UsageError(`Unknown option --${name}.`);
    let value: string;
    if (equals !== -1) {
      value = arg.slice(equals + 1);
    } else {
      const next = args[index + 1];
      if (next === undefined) throw new UsageError(`--${name} needs a value.`);
      value = next;
      index++;
    }
    if (spec.repeated?.includes(name))
      parsed.repeated.set(name, [...(parsed.repeated.get(name) ?? []), value]);
    else parsed.values.set(name, value);
  }
  return parsed;
}
