/**
 * DynamoDB's expression languages: ConditionExpression and FilterExpression, KeyConditionExpression,
 * UpdateExpression and ProjectionExpression, with their ExpressionAttributeNames and
 * ExpressionAttributeValues. Parse every expression of a request with one `ExpressionContext`, then
 * call `assertAllUsed()`; evaluation and application are pure functions of the parsed form and an item.
 */
export type { ComparisonOperator, Condition, Operand } from "./condition.js";
export { parseCondition } from "./condition.js";
export { evaluateCondition, sizeOf } from "./condition-evaluator.js";
export { ExpressionContext } from "./context.js";
export type { DocumentPath, PathElement } from "./document-path.js";
export { formatPath, readPath } from "./document-path.js";
export type { ExpressionKind } from "./expression-error.js";
export type { KeyCondition, KeySchemaNames, SortKeyCondition, SortKeyOperator } from "./key-condition.js";
export { matchesSortKey, parseKeyCondition } from "./key-condition.js";
export {
  maxExpressionBytes,
  maxInOperands,
  maxListIndex,
  maxOperatorCount,
  maxParenthesisDepth,
  maxPathDepth,
} from "./limits.js";
export type { Projection } from "./projection.js";
export { applyProjection, parseProjection } from "./projection.js";
export { isReservedWord } from "./reserved-words.js";
export { applyUpdate } from "./update-apply.js";
export type { SetValue, UpdateAction, UpdateOperand } from "./update-plan.js";
export { parseUpdate, UpdatePlan } from "./update-plan.js";
