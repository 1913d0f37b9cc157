/**
 * Evaluates a condition against an item, as DynamoDB does: a pure function of the two. Comparing
 * values of different types is false rather than an error, a missing attribute makes every comparison
 * false except `<>`, which it makes true, and numbers compare numerically through the values module.
 */
import { compareBinaries, compareValues, typeOf, valuesEqual } from "../values/compare.js";
import type { AttributeValue, Item } from "../values/types.js";
import type { Condition, Operand } from "./condition.js";
import { readPath } from "./document-path.js";

/**
 * `size()` of a value: characters of a string (UTF-16 code units, as DynamoDB Local counts them),
 * bytes of a binary, members of a set, elements of a list or map; no size for other types.
 */
export function sizeOf(value: AttributeValue): number | undefined {
  if ("S" in value) return value.S.length;
  if ("B" in value) return Buffer.from(value.B, "base64").length;
  if ("L" in value) return value.L.length;
  if ("M" in value) return Object.keys(value.M).length;
  if ("SS" in value) return value.SS.length;
  if ("NS" in value) return value.NS.length;
  if ("BS" in value) return value.BS.length;
  return undefined;
}

function operandValue(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  if (operand.kind === "value") return operand.value;
  if (operand.kind === "path") return readPath(item, operand.path);
  const measured = operandValue(operand.operand, item);
  const size = measured === undefined ? undefined : sizeOf(measured);
  return size === undefined ? undefined : { N: String(size) };
}

function compare(
  operator: string,
  left: AttributeValue | undefined,
  right: AttributeValue | undefined,
): boolean {
  if (left === undefined || right === undefined) return operator === "<>";
  if (operator === "=") return valuesEqual(left, right);
  if (operator === "<>") return !valuesEqual(left, right);
  const order = compareValues(left, right);
  if (order === undefined) return false;
  switch (operator) {
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    default:
      return order >= 0;
  }
}

/** begins_with: a string prefix of a string, or a byte prefix of a binary; false for other types. */
export function beginsWith(subject: AttributeValue | undefined, prefix: AttributeValue | undefined): boolean {
  if (subject === undefined || prefix === undefined) return false;
  if ("S" in subject && "S" in prefix) return subject.S.startsWith(prefix.S);
  if ("B" in subject && "B" in prefix) {
    const bytes = Buffer.from(subject.B, "base64");
    const start = Buffer.from(prefix.B, "base64");
    return start.length <= bytes.length && bytes.subarray(0, start.length).equals(start);
  }
  return false;
}

function contains(subject: AttributeValue | undefined, operand: AttributeValue | undefined): boolean {
  if (subject === undefined || operand === undefined) return false;
  if ("S" in subject) return "S" in operand && subject.S.includes(operand.S);
  if ("B" in subject) {
    return "B" in operand && Buffer.from(subject.B, "base64").includes(Buffer.from(operand.B, "base64"));
  }
  if ("L" in subject) return subject.L.some((element) => valuesEqual(element, operand));
  if ("SS" in subject) return "S" in operand && subject.SS.includes(operand.S);
  if ("NS" in subject)
    return "N" in operand && subject.NS.some((member) => valuesEqual({ N: member }, operand));
  if ("BS" in subject) {
    return "B" in operand && subject.BS.some((member) => compareBinaries(member, operand.B) === 0);
  }
  return false;
}

/** Whether `item` satisfies `condition`; an absent item (`undefined`) has no attributes. */
export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case "and":
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case "or":
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case "not":
      return !evaluateCondition(condition.condition, item);
    case "comparison":
      return compare(
        condition.operator,
        operandValue(condition.left, item),
        operandValue(condition.right, item),
      );
    case "between": {
      const subject = operandValue(condition.subject, item);
      return (
        compare(">=", subject, operandValue(condition.lower, item)) &&
        compare("<=", subject, operandValue(condition.upper, item))
      );
    }
    case "in": {
      const subject = operandValue(condition.subject, item);
      return condition.candidates.some((candidate) => compare("=", subject, operandValue(candidate, item)));
    }
    case "attribute_exists":
      return readPath(item, condition.path) !== undefined;
    case "attribute_not_exists":
      return readPath(item, condition.path) === undefined;
    case "attribute_type": {
      const value = readPath(item, condition.path);
      return value !== undefined && typeOf(value) === condition.type;
    }
    case "begins_with":
      return beginsWith(operandValue(condition.subject, item), operandValue(condition.prefix, item));
    case "contains":
      return contains(operandValue(condition.subject, item), operandValue(condition.operand, item));
  }
}
