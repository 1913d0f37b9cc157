/**
 * DynamoDB's expression functions, where each may appear, and how many operands it takes. Function
 * names are case-sensitive (`SIZE(a)` is an invalid function name).
 */
import type { DynamoError } from "../errors.js";
import { type ExpressionKind, invalidExpression } from "./expression-error.js";
import type { Token } from "./lexer.js";

/** Functions that are conditions themselves (return true or false). */
export type ConditionFunction =
  | "attribute_exists"
  | "attribute_not_exists"
  | "attribute_type"
  | "begins_with"
  | "contains";

/** `size` is a value inside a condition; `if_not_exists` and `list_append` are values in SET. */
export type ValueFunction = "size" | "if_not_exists" | "list_append";

export type FunctionName = ConditionFunction | ValueFunction;

const operandCounts: Readonly<Record<FunctionName, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
  if_not_exists: 2,
  list_append: 2,
};

const updateFunctions: ReadonlySet<string> = new Set<FunctionName>(["if_not_exists", "list_append"]);
const conditionFunctions: ReadonlySet<string> = new Set<FunctionName>([
  "attribute_exists",
  "attribute_not_exists",
  "attribute_type",
  "begins_with",
  "contains",
]);

/** Where a call stands: as a whole condition, as a value inside a condition, or as a SET value. */
export type CallPosition = "condition" | "conditionOperand" | "update";

function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(operandCounts, name);
}

/** The error for a function used where its kind of result cannot stand. */
export function functionNotAllowedHere(kind: ExpressionKind, name: string): DynamoError {
  return invalidExpression(
    kind,
    `The function is not allowed to be used this way in an expression; function: ${name}`,
  );
}

/**
 * The function a call names, once it is known to be allowed at `position` with the right number of
 * operands; throws DynamoDB's error otherwise.
 */
export function checkCall(
  kind: ExpressionKind,
  name: Token,
  operandCount: number,
  position: CallPosition,
): FunctionName {
  const text = name.text;
  if (!isFunctionName(text)) throw invalidExpression(kind, `Invalid function name; function: ${text}`);
  if (position === "update" && !updateFunctions.has(text)) {
    throw invalidExpression(kind, `The function is not allowed in an update expression; function: ${text}`);
  }
  if (position !== "update" && updateFunctions.has(text)) {
    throw invalidExpression(kind, `The function is not allowed in a condition expression; function: ${text}`);
  }
  if (position === "condition" && !conditionFunctions.has(text)) throw functionNotAllowedHere(kind, text);
  if (position === "conditionOperand" && conditionFunctions.has(text))
    throw functionNotAllowedHere(kind, text);
  if (operandCount !== operandCounts[text]) {
    throw invalidExpression(
      kind,
      `Incorrect number of operands for operator or function; operator or function: ${text}, number of operands: ${operandCount}`,
    );
  }
  return text;
}

/** The error for a function operand that must be a document path but is not. */
export function documentPathRequired(kind: ExpressionKind, name: string): DynamoError {
  return invalidExpression(
    kind,
    `Operator or function requires a document path; operator or function: ${name}`,
  );
}

/** The error for a literal (or `size` result) whose type an operator or function does not accept. */
export function incorrectLiteralType(kind: ExpressionKind, operator: string, type: string): DynamoError {
  return invalidExpression(
    kind,
    `Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${type}`,
  );
}
