/**
 * Asserts that an SDK call fails with a given DynamoDB exception. The SDK surfaces the exception name
 * of the response body as `err.name`; the message is compared by its meaningful part.
 */
import { expect } from "vitest";

export interface ServiceErrorLike extends Error {
  $metadata?: { httpStatusCode?: number };
  [field: string]: unknown;
}

/**
 * Awaits `operation`, expects it to reject with `name` (or one of several names), and, when given,
 * checks the message: a string must occur in it, a RegExp must match it. Returns the error for further
 * assertions.
 */
export async function expectDynamoError(
  operation: Promise<unknown>,
  name: string | readonly string[],
  message?: string | RegExp,
): Promise<ServiceErrorLike> {
  let caught: unknown;
  try {
    await operation;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${name} but the call succeeded`).toBeInstanceOf(Error);
  const error = caught as ServiceErrorLike;
  const names = typeof name === "string" ? [name] : name;
  expect(names, `unexpected ${error.name}: ${error.message}`).toContain(error.name);
  if (typeof message === "string") expect(error.message).toContain(message);
  else if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}
