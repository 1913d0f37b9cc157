/**
 * Typed environment variables: each helper describes one variable (its name, its default and what a
 * valid value looks like) and reads it from an environment, throwing a `ConfigError` that names the
 * variable when the value is unusable. An unset or empty variable takes the default.
 */
import { ConfigError } from "../errors.js";

/** The environment variables a service reads; `process.env` fits. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface ConfigVariable<T> {
  /** The environment variable's name, e.g. `PANTRY_PORT`. */
  readonly name: string;
  readonly defaultValue: T;
  /** What a valid value looks like, as the end of "NAME must be …": `an integer between 0 and 65535`. */
  readonly expected: string;
  /** The variable's value in `env`, or the default when unset or empty. */
  read(env: Environment): T;
}

const invalid = Symbol("invalid");

function defineVariable<T>(
  name: string,
  defaultValue: T,
  expected: string,
  parse: (raw: string) => T | typeof invalid,
): ConfigVariable<T> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`${JSON.stringify(name)} is not an environment variable name`);
  }
  return {
    name,
    defaultValue,
    expected,
    read(env) {
      const raw = env[name];
      if (raw === undefined || raw === "") return defaultValue;
      const value = parse(raw);
      if (value === invalid) throw new ConfigError(name, raw, expected);
      return value;
    },
  };
}

export interface IntegerBounds {
  /** Smallest accepted value, inclusive. Default: no lower bound. */
  min?: number;
  /** Largest accepted value, inclusive. Default: no upper bound. */
  max?: number;
}

/** A whole number in decimal notation, optionally bounded: `integerVar("PANTRY_PORT", 8082, {min: 0, max: 65535})`. */
export function integerVar(
  name: string,
  defaultValue: number,
  bounds: IntegerBounds = {},
): ConfigVariable<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
  const withinBounds = (value: number) => Number.isSafeInteger(value) && value >= min && value <= max;
  const expected = describeIntegerRange(bounds);
  if (!withinBounds(defaultValue)) {
    throw new RangeError(`the default of ${name} (${defaultValue}) is not ${expected}`);
  }
  return defineVariable(name, defaultValue, expected, (raw) => {
    const text = raw.trim();
    if (!/^[+-]?\d+$/.test(text)) return invalid;
    const value = Number(text);
    return withinBounds(value) ? value : invalid;
  });
}

function describeIntegerRange({ min, max }: IntegerBounds): string {
  if (min !== undefined && max !== undefined) return `an integer between ${min} and ${max}`;
  if (min !== undefined) return `an integer of at least ${min}`;
  if (max !== undefined) return `an integer of at most ${max}`;
  return "an integer";
}

/** Any text, taken as it is (no trimming). */
export function stringVar(name: string, defaultValue: string): ConfigVariable<string> {
  return defineVariable(name, defaultValue, "a text", (raw) => raw);
}

/**
 * One of a fixed list of words, matched without regard to case and returned as listed:
 * `enumVar("LOG_LEVEL", ["debug", "info", "warn", "error"], "info")`.
 */
export function enumVar<const T extends string>(
  name: string,
  values: readonly T[],
  defaultValue: NoInfer<T>,
): ConfigVariable<T> {
  if (!values.includes(defaultValue)) {
    throw new RangeError(`the default of ${name} (${defaultValue}) is not one of its values`);
  }
  const expected = `one of ${values.map((value) => JSON.stringify(value)).join(", ")}`;
  return defineVariable(name, defaultValue, expected, (raw) => {
    const text = raw.trim().toLowerCase();
    return values.find((value) => value.toLowerCase() === text) ?? invalid;
  });
}

const trueWords = new Set(["true", "1", "yes", "on"]);
const falseWords = new Set(["false", "0", "no", "off"]);

/** A yes/no switch: true, 1, yes, on or false, 0, no, off (any case). */
export function booleanVar(name: string, defaultValue: boolean): ConfigVariable<boolean> {
  return defineVariable(name, defaultValue, "a boolean (true/false, 1/0, yes/no, on/off)", (raw) => {
    const text = raw.trim().toLowerCase();
    if (trueWords.has(text)) return true;
    if (falseWords.has(text)) return false;
    return invalid;
  });
}
