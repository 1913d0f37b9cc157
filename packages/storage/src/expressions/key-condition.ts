/**
 * KeyConditionExpression: an equality on the partition key, optionally AND one condition on the sort
 * key (`=`, `<`, `<=`, `>`, `>=`, BETWEEN or begins_with), in either order and either operand order
 * (`:v = pk` is `pk = :v`; `:v < sk` is `sk > :v`). Parsed with the condition grammar and its checks,
 * then held to the shape a Query can serve, with DynamoDB's messages for everything else.
 */
import { validationError } from "../errors.js";
import { compareValues, typeOf } from "../values/compare.js";
import type { AttributeValue, KeyAttributeType } from "../values/types.js";
import { buildCondition, type ComparisonOperator, type Condition, type Operand } from "./condition.js";
import { beginsWith } from "./condition-evaluator.js";
import { parseConditionSyntax } from "./condition-syntax.js";
import type { ExpressionContext } from "./context.js";
import { ExpressionParser } from "./parser.js";
import { checkReferences } from "./references.js";

export type SortKeyOperator = "=" | "<" | "<=" | ">" | ">=" | "BETWEEN" | "BEGINS_WITH";

export interface SortKeyCondition {
  op: SortKeyOperator;
  /** One value, or two (lower and upper bound) for BETWEEN. */
  values: AttributeValue[];
}

export interface KeyCondition {
  partitionValue: AttributeValue;
  sort?: SortKeyCondition;
}

/** The table's (or index's) key: attribute names, and optionally their types to check values against. */
export interface KeySchemaNames {
  partitionKey: string;
  sortKey?: string;
  partitionKeyType?: KeyAttributeType;
  sortKeyType?: KeyAttributeType;
}

const mirrored: Readonly<Record<ComparisonOperator, ComparisonOperator>> = {
  "=": "=",
  "<>": "<>",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

function invalidOperator(operator: string): Error {
  return validationError(`Invalid operator used in KeyConditionExpression: ${operator}`);
}

function missedKeyElement(): Error {
  return validationError("Query condition missed key schema element");
}

/** The conditions joined by AND, or DynamoDB's error for OR and NOT. */
function conjuncts(condition: Condition): Condition[] {
  if (condition.kind === "and") return [...conjuncts(condition.left), ...conjuncts(condition.right)];
  if (condition.kind === "or") throw invalidOperator("OR");
  if (condition.kind === "not") throw invalidOperator("NOT");
  return [condition];
}

/** The key attribute an operand names; nested paths and size() are not key conditions. */
function keyName(operand: Operand): string | undefined {
  if (operand.kind === "size")
    throw validationError("KeyConditionExpressions cannot contain nested operations");
  if (operand.kind !== "path") return undefined;
  const [name, ...rest] = operand.path;
  if (rest.length > 0) {
    throw validationError(
      `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${String(name)}`,
    );
  }
  return name as string;
}

function literal(operand: Operand): AttributeValue {
  if (operand.kind !== "value") throw validationError("Query key condition not supported");
  return operand.value;
}

interface KeyPredicate {
  attribute: string;
  op: SortKeyOperator;
  values: AttributeValue[];
}

function toPredicate(condition: Condition): KeyPredicate {
  switch (condition.kind) {
    case "comparison": {
      if (condition.operator === "<>") throw invalidOperator("<>");
      const leftName = keyName(condition.left);
      const rightName = keyName(condition.right);
      if (leftName !== undefined && rightName === undefined) {
        return {
          attribute: leftName,
          op: condition.operator as SortKeyOperator,
          values: [literal(condition.right)],
        };
      }
      if (rightName !== undefined && leftName === undefined) {
        const op = mirrored[condition.operator] as SortKeyOperator;
        return { attribute: rightName, op, values: [literal(condition.left)] };
      }
      throw validationError("Query key condition not supported");
    }
    case "between": {
      const attribute = keyName(condition.subject);
      keyName(condition.lower);
      keyName(condition.upper);
      if (attribute === undefined) throw validationError("Query key condition not supported");
      return { attribute, op: "BETWEEN", values: [literal(condition.lower), literal(condition.upper)] };
    }
    case "begins_with": {
      const attribute = keyName(condition.subject);
      keyName(condition.prefix);
      if (attribute === undefined) throw validationError("Query key condition not supported");
      return { attribute, op: "BEGINS_WITH", values: [literal(condition.prefix)] };
    }
    case "in":
      throw invalidOperator("IN");
    default:
      throw invalidOperator(condition.kind);
  }
}

function checkType(values: AttributeValue[], type: KeyAttributeType | undefined): void {
  if (type === undefined) return;
  if (values.some((value) => typeOf(value) !== type)) {
    throw validationError(
      "One or more parameter values were invalid: Condition parameter type does not match schema type",
    );
  }
}

/** Parses `text` as a key condition on `key`; throws DynamoDB's `ValidationException`s. */
export function parseKeyCondition(
  text: string,
  context: ExpressionContext,
  key: KeySchemaNames,
): KeyCondition {
  const parser = new ExpressionParser("KeyConditionExpression", text);
  const syntax = parseConditionSyntax(parser);
  checkReferences(parser, context);
  const predicates = conjuncts(buildCondition("KeyConditionExpression", syntax, context)).map(toPredicate);
  const seen = new Set<string>();
  for (const predicate of predicates) {
    if (seen.has(predicate.attribute)) {
      throw validationError("KeyConditionExpressions must only contain one condition per key");
    }
    seen.add(predicate.attribute);
    if (predicate.attribute !== key.partitionKey && predicate.attribute !== key.sortKey)
      throw missedKeyElement();
  }
  const partition = predicates.find((predicate) => predicate.attribute === key.partitionKey);
  if (partition === undefined) throw missedKeyElement();
  if (partition.op !== "=") throw validationError("Query key condition not supported");
  checkType(partition.values, key.partitionKeyType);
  const partitionValue = partition.values[0] as AttributeValue;
  const sort = predicates.find((predicate) => predicate.attribute !== key.partitionKey);
  if (sort === undefined) return { partitionValue };
  checkType(sort.values, key.sortKeyType);
  return { partitionValue, sort: { op: sort.op, values: sort.values } };
}

/** Whether a sort key value satisfies a sort key condition (values of another type never do). */
export function matchesSortKey(condition: SortKeyCondition, value: AttributeValue): boolean {
  const [first, second] = condition.values as [AttributeValue, AttributeValue | undefined];
  if (condition.op === "BEGINS_WITH") return beginsWith(value, first);
  const order = compareValues(value, first);
  if (order === undefined) return false;
  switch (condition.op) {
    case "=":
      return order === 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    default: {
      const upper = compareValues(value, second as AttributeValue);
      return order >= 0 && upper !== undefined && upper <= 0;
    }
  }
}
