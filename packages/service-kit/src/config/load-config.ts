/**
 * Reads a whole configuration at once: a record of `ConfigVariable`s in, a record of typed values out.
 * The first unusable value stops the load with its `ConfigError`.
 */
import type { ConfigVariable, Environment } from "./variables.js";

export type ConfigSpec = Record<string, ConfigVariable<unknown>>;

/** The typed values of a `ConfigSpec`: `{ port: integerVar(…) }` becomes `{ port: number }`. */
export type ConfigValues<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends ConfigVariable<infer T> ? T : never;
};

/**
 * `loadConfig({ port: integerVar("PANTRY_PORT", 8082, {min: 0, max: 65535}) }, process.env)` returns
 * `{ port: 8082 }` when `PANTRY_PORT` is unset and throws a `ConfigError` when it is not an integer.
 */
export function loadConfig<S extends ConfigSpec>(spec: S, env: Environment): ConfigValues<S> {
  const values: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(spec)) {
    values[key] = variable.read(env);
  }
  return values as ConfigValues<S>;
}
