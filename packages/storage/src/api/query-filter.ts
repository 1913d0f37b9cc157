/**
 * The rule on a Query's FilterExpression: it filters the items the key condition chose, so it may
 * not read a key attribute, nor any path into one. Worded as DynamoDB words it.
 */
import type { TableRecord } from "../engine/index.js";
import { validationError } from "../errors.js";
import type { Condition, DocumentPath, Operand } from "../expressions/index.js";

function operandPaths(operand: Operand): DocumentPath[] {
  if (operand.kind === "path") return [operand.path];
  return operand.kind === "size" ? operandPaths(operand.operand) : [];
}

/** Every document path a condition reads. */
function conditionPaths(condition: Condition): DocumentPath[] {
  switch (condition.kind) {
    case "comparison":
      return [...operandPaths(condition.left), ...operandPaths(condition.right)];
    case "between":
      return [condition.subject, condition.lower, condition.upper].flatMap(operandPaths);
    case "in":
      return [condition.subject, ...condition.candidates].flatMap(operandPaths);
    case "and":
    case "or":
      return [...conditionPaths(condition.left), ...conditionPaths(condition.right)];
    case "not":
      return conditionPaths(condition.condition);
    case "attribute_exists":
    case "attribute_not_exists":
    case "attribute_type":
      return [condition.path];
    case "begins_with":
      return [...operandPaths(condition.subject), ...operandPaths(condition.prefix)];
    case "contains":
      return [...operandPaths(condition.subject), ...operandPaths(condition.operand)];
  }
}

/** Rejects a filter that reads a key attribute (the partition key reported first) or a path into one. */
export function rejectKeyAttributesInFilter(table: TableRecord, filter: Condition): void {
  const paths = conditionPaths(filter);
  const keyNames = [table.keySchema.partitionKey.name, table.keySchema.sortKey?.name];
  const nested = paths.find((path) => path.length > 1 && keyNames.includes(path[0] as string));
  if (nested !== undefined) {
    throw validationError(
      `Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${nested[0]}`,
    );
  }
  for (const name of keyNames) {
    if (name !== undefined && paths.some((path) => path[0] === name)) {
      throw validationError(
        `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${name}`,
      );
    }
  }
}
