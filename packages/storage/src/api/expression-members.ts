/**
 * The expression members of a request (ConditionExpression, ProjectionExpression, …) against the
 * pre-expression members DynamoDB still accepts (Expected, AttributesToGet, …): the two may not be
 * mixed, this store speaks only the expression form (AttributesToGet aside), and placeholders may only
 * come with an expression that can use them. Each objection is worded as DynamoDB words it.
 */
import { validationError } from "../errors.js";
import { ExpressionContext } from "../expressions/index.js";
import { type Input, optionalObject } from "./validation.js";

/** Pre-expression members, in the order DynamoDB lists them in its error messages. */
const nonExpressionMembers = [
  "AttributesToGet",
  "AttributeUpdates",
  "Expected",
  "QueryFilter",
  "ScanFilter",
  "ConditionalOperator",
  "KeyConditions",
] as const;

/** Expression members, in the order DynamoDB lists them in its error messages. */
export const expressionMembers = [
  "ProjectionExpression",
  "UpdateExpression",
  "FilterExpression",
  "KeyConditionExpression",
  "ConditionExpression",
] as const;

export type ExpressionMember = (typeof expressionMembers)[number];

/** Which expressions of an operation may use ExpressionAttributeNames and which ExpressionAttributeValues. */
export interface ExpressionMembersOf {
  names: readonly ExpressionMember[];
  values: readonly ExpressionMember[];
}

function present<T extends string>(input: Input, members: readonly T[]): T[] {
  return members.filter((member) => input[member] !== undefined && input[member] !== null);
}

/**
 * Rejects a request that mixes the two forms, then one that uses a pre-expression member this store
 * does not implement. KeyConditions conflicts only with KeyConditionExpression, as in DynamoDB.
 */
export function rejectNonExpressionMembers(input: Input): void {
  const legacy = present(input, nonExpressionMembers);
  if (legacy.length === 0) return;
  const modern = present(input, expressionMembers);
  const mixed =
    (modern.length > 0 && legacy.some((member) => member !== "KeyConditions")) ||
    (legacy.includes("KeyConditions") && modern.includes("KeyConditionExpression"));
  if (mixed) {
    throw validationError(
      "Can not use both expression and non-expression parameters in the same request: " +
        `Non-expression parameters: {${legacy.join(", ")}} Expression parameters: {${modern.join(", ")}}`,
    );
  }
  const unsupported = legacy.find((member) => member !== "AttributesToGet");
  if (unsupported !== undefined) {
    throw validationError(
      `${unsupported} is a legacy parameter that this store does not support; use the expression parameters instead.`,
    );
  }
}

/** "A is null", "A and B are null", "A, B and C are null". */
function absentList(members: readonly string[]): string {
  if (members.length === 1) return `${members[0]} is null`;
  return `${members.slice(0, -1).join(", ")} and ${members[members.length - 1]} are null`;
}

/**
 * The request's ExpressionAttributeNames and ExpressionAttributeValues, after DynamoDB's checks that
 * they come with an expression that can use them and are not empty maps. `assertAllUsed` on the result,
 * once every expression is parsed, rejects the placeholders no expression used.
 */
export function expressionContext(input: Input, members: ExpressionMembersOf): ExpressionContext {
  const names = optionalObject(input, "ExpressionAttributeNames");
  const values = optionalObject(input, "ExpressionAttributeValues");
  if (names !== undefined && present(input, members.names).length === 0) {
    throw validationError("ExpressionAttributeNames can only be specified when using expressions");
  }
  if (values !== undefined && members.values.length > 0 && present(input, members.values).length === 0) {
    throw validationError(
      `ExpressionAttributeValues can only be specified when using expressions: ${absentList(members.values)}`,
    );
  }
  if (names !== undefined && Object.keys(names).length === 0) {
    throw validationError("ExpressionAttributeNames must not be empty");
  }
  if (values !== undefined && Object.keys(values).length === 0) {
    throw validationError("ExpressionAttributeValues must not be empty");
  }
  return new ExpressionContext(names, values);
}
