/**
 * The ExpressionAttributeNames and ExpressionAttributeValues of one request, shared by all of its
 * expressions. Parsing an expression looks placeholders up here and marks them used; once every
 * expression of the request is parsed, `assertAllUsed` rejects placeholders no expression used, as
 * DynamoDB does.
 */
import { validationError } from "../errors.js";
import type { AttributeValue } from "../values/types.js";
import { validateAttributeValue } from "../values/validate.js";

const placeholderSuffix = /^[A-Za-z0-9_]+$/;

function isPlaceholder(key: string, sigil: "#" | ":"): boolean {
  return key.startsWith(sigil) && placeholderSuffix.test(key.slice(1));
}

function listUnused(keys: Iterable<string>, used: ReadonlySet<string>): string[] {
  return [...keys].filter((key) => !used.has(key)).sort();
}

export class ExpressionContext {
  readonly #names: ReadonlyMap<string, string>;
  readonly #values: ReadonlyMap<string, AttributeValue>;
  readonly #usedNames = new Set<string>();
  readonly #usedValues = new Set<string>();

  /**
   * Checks the placeholders' syntax and validates (and normalizes) every value, so that a request
   * with a malformed placeholder fails before any expression is read. Values are raw request JSON.
   */
  constructor(names?: Record<string, unknown>, values?: Record<string, unknown>) {
    const checkedNames = new Map<string, string>();
    for (const [key, name] of Object.entries(names ?? {})) {
      if (!isPlaceholder(key, "#")) {
        throw validationError(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${key}"`);
      }
      if (typeof name !== "string" || name === "") {
        throw validationError(
          `ExpressionAttributeNames contains invalid value: Empty attribute name for key ${key}`,
        );
      }
      checkedNames.set(key, name);
    }
    const checkedValues = new Map<string, AttributeValue>();
    for (const [key, value] of Object.entries(values ?? {})) {
      if (!isPlaceholder(key, ":")) {
        throw validationError(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${key}"`);
      }
      checkedValues.set(key, validateAttributeValue(value, `ExpressionAttributeValues.${key}`));
    }
    this.#names = checkedNames;
    this.#values = checkedValues;
  }

  /** The attribute name `#alias` stands for, marking it used; `undefined` when it is not defined. */
  resolveName(alias: string): string | undefined {
    const name = this.#names.get(alias);
    if (name !== undefined) this.#usedNames.add(alias);
    return name;
  }

  /** The value `:alias` stands for, marking it used; `undefined` when it is not defined. */
  resolveValue(alias: string): AttributeValue | undefined {
    const value = this.#values.get(alias);
    if (value !== undefined) this.#usedValues.add(alias);
    return value;
  }

  /** Throws DynamoDB's "unused in expressions" error for placeholders no parsed expression used. */
  assertAllUsed(): void {
    const unusedNames = listUnused(this.#names.keys(), this.#usedNames);
    if (unusedNames.length > 0) {
      throw validationError(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(", ")}}`,
      );
    }
    const unusedValues = listUnused(this.#values.keys(), this.#usedValues);
    if (unusedValues.length > 0) {
      throw validationError(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(", ")}}`,
      );
    }
  }
}
