/**
 * The `ValidationException`s expressions raise, worded as DynamoDB words them. Errors found inside
 * one expression carry its name as a prefix ("Invalid UpdateExpression: …"); errors found while an
 * update is applied to an item carry none, as in DynamoDB.
 */
import { type DynamoError, validationError } from "../errors.js";
import type { AttributeValue } from "../values/types.js";

/** The request members that hold an expression; the name starts each of its error messages. */
export type ExpressionKind =
  | "ConditionExpression"
  | "FilterExpression"
  | "KeyConditionExpression"
  | "UpdateExpression"
  | "ProjectionExpression";

/** An error inside the expression named by `kind`: "Invalid <kind>: <detail>". */
export function invalidExpression(kind: ExpressionKind, detail: string): DynamoError {
  return validationError(`Invalid ${kind}: ${detail}`);
}

/** Applying an update met a value of the wrong type (adding to a string, appending to a map, …). */
export function incorrectOperandType(): DynamoError {
  return validationError("An operand in the update expression has an incorrect data type");
}

/** An update's SET or REMOVE target sits under a parent that is missing or is not a container. */
export function invalidUpdatePath(): DynamoError {
  return validationError("The document path provided in the update expression is invalid for update");
}

/** An update's value operand names an attribute the item does not have. */
export function missingOperandAttribute(): DynamoError {
  return validationError("The provided expression refers to an attribute that does not exist in the item");
}

/** How DynamoDB prints a literal operand inside an error message: `AttributeValue: {S:text}`. */
export function describeLiteral(value: AttributeValue): string {
  const [type, content] = Object.entries(value)[0] as [string, unknown];
  const text = typeof content === "string" ? content : JSON.stringify(content);
  return `AttributeValue: {${type}:${text}}`;
}
