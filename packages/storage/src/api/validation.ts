/**
 * Input checks for the API's request members, phrased the way DynamoDB phrases them
 * ("1 validation error detected: Value … at 'tableName' failed to satisfy constraint: …"), so that a
 * client sees the same sentence from us as from DynamoDB.
 */
import { validationError } from "../errors.js";

export type Input = Record<string, unknown>;

function lowerFirst(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

/** "1 validation error detected: Value … at 'member' failed to satisfy constraint: <rule>". */
export function constraint(member: string, value: unknown, rule: string) {
  const shown = value === undefined || value === null ? "null" : `'${String(value).slice(0, 256)}'`;
  return validationError(
    `1 validation error detected: Value ${shown} at '${lowerFirst(member)}' failed to satisfy constraint: ${rule}`,
  );
}

export const tableNamePattern = /^[a-zA-Z0-9_.-]+$/;
/** DynamoDB's bounds on a table name's length, in characters. */
export const minTableNameLength = 3;
export const maxTableNameLength = 255;

export const invalidTableNameMessage = `Invalid table/index name.  Table/index names must be between ${minTableNameLength} and ${maxTableNameLength} characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'`;

export function isValidTableName(name: string): boolean {
  return (
    name.length >= minTableNameLength && name.length <= maxTableNameLength && tableNamePattern.test(name)
  );
}

/** A table name as DynamoDB allows: 3 to 255 of [a-zA-Z0-9_.-]. */
export function tableName(input: Input, member = "TableName"): string {
  const value = input[member];
  if (value === undefined || value === null) throw constraint(member, value, "Member must not be null");
  if (typeof value !== "string") throw serialization(member, "a string");
  if (!isValidTableName(value)) throw validationError(invalidTableNameMessage);
  return value;
}

/** A `Limit` member: a positive integer, at most `max`. */
export function optionalLimit(input: Input, max: number, tooLargeMessage?: string): number | undefined {
  const value = input.Limit;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw serialization("Limit", "an integer");
  if (value < 1) throw validationError("Limit must be greater than or equal to 1");
  if (value > max) {
    throw tooLargeMessage === undefined
      ? constraint("Limit", value, `Member must have value less than or equal to ${max}`)
      : validationError(tooLargeMessage);
  }
  return value;
}

export function serialization(member: string, expected: string) {
  return validationError(`The parameter '${member}' must be ${expected}.`);
}

export function optionalString(input: Input, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw serialization(member, "a string");
  return value;
}

export function optionalBoolean(input: Input, member: string): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw serialization(member, "a boolean");
  return value;
}

export function optionalInteger(input: Input, member: string, min: number, max: number): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw serialization(member, "an integer");
  if (value < min) throw constraint(member, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraint(member, value, `Member must have value less than or equal to ${max}`);
  return value;
}

export function optionalEnum<T extends string>(
  input: Input,
  member: string,
  allowed: readonly T[],
): T | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw constraint(member, value, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }
  return value as T;
}

export function optionalObject(input: Input, member: string): Input | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw serialization(member, "an object");
  return value as Input;
}

export function requiredObject(input: Input, member: string): Input {
  const value = optionalObject(input, member);
  if (value === undefined) throw constraint(member, value, "Member must not be null");
  return value;
}

export function optionalArray(input: Input, member: string): unknown[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serialization(member, "a list");
  return value;
}

export function requiredArray(input: Input, member: string): unknown[] {
  const value = optionalArray(input, member);
  if (value === undefined) throw constraint(member, value, "Member must not be null");
  return value;
}

export function lengthBetween(member: string, items: unknown[], min: number, max: number): void {
  if (items.length < min) {
    throw constraint(
      member,
      `[${items.length} items]`,
      `Member must have length greater than or equal to ${min}`,
    );
  }
  if (items.length > max) {
    throw constraint(
      member,
      `[${items.length} items]`,
      `Member must have length less than or equal to ${max}`,
    );
  }
}
