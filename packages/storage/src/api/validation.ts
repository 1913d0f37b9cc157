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

function constraint(member: string, value: unknown, rule: string) {
  const shown = value === undefined || value === null ? "null" : `'${String(value).slice(0, 256)}'`;
  return validationError(
    `1 validation error detected: Value ${shown} at '${lowerFirst(member)}' failed to satisfy constraint: ${rule}`,
  );
}

export const tableNamePattern = /^[a-zA-Z0-9_.-]+$/;

/** A table name as DynamoDB allows: 3 to 255 of [a-zA-Z0-9_.-]. */
export function tableName(input: Input, member = "TableName"): string {
  const value = input[member];
  if (value === undefined || value === null) throw constraint(member, value, "Member must not be null");
  if (typeof value !== "string") throw serialization(member, "a string");
  if (value.length < 3 || value.length > 255) {
    throw constraint(member, value, "Member must have length greater than or equal to 3 and less than or equal to 255");
  }
  if (!tableNamePattern.test(value)) {
    throw constraint(member, value, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
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

export function optionalEnum<T extends string>(input: Input, member: string, allowed: readonly T[]): T | undefined {
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
  if (items.length < min || items.length > max) {
    throw constraint(
      member,
      `[${items.length} items]`,
      `Member must have length less than or equal to ${max}` +
        (min > 0 ? ` and greater than or equal to ${min}` : ""),
    );
  }
}
