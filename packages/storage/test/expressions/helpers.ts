/** Shared helpers for the expression tests: run a parse/evaluate step and report its outcome as text. */
import { DynamoError } from "../../src/errors.js";
import {
  applyUpdate,
  ExpressionContext,
  evaluateCondition,
  parseCondition,
  parseUpdate,
} from "../../src/expressions/index.js";
import type { AttributeValue, Item } from "../../src/values/types.js";

/** The message of the `DynamoError` `action` throws; fails the test when it throws nothing or something else. */
export function errorMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof DynamoError) return `${error.type}: ${error.message}`;
    throw error;
  }
  throw new Error("expected a DynamoError, but the call succeeded");
}

/** Parses a FilterExpression, checks that every placeholder was used, and evaluates it on `item`. */
export function filter(
  text: string,
  item: Item | undefined,
  values?: Record<string, AttributeValue>,
  names?: Record<string, string>,
): boolean {
  const context = new ExpressionContext(names, values);
  const condition = parseCondition(text, context, "FilterExpression");
  context.assertAllUsed();
  return evaluateCondition(condition, item);
}

/** Parses an UpdateExpression, checks placeholder use, and applies it to `item`. */
export function update(
  text: string,
  item: Item,
  values?: Record<string, AttributeValue>,
  names?: Record<string, string>,
): Item {
  const context = new ExpressionContext(names, values);
  const plan = parseUpdate(text, context);
  context.assertAllUsed();
  return applyUpdate(plan, item);
}
