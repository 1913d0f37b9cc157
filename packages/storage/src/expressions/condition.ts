/**
 * Conditions after placeholder substitution and DynamoDB's semantic checks, and the builder that
 * makes them from the syntax tree. What the builder rejects, DynamoDB rejects before reading any
 * item: unknown or misplaced functions, literals of a type an operator cannot order, a path compared
 * with itself, BETWEEN bounds out of order, redundant parentheses, more than 100 IN operands.
 */
import { compareValues, typeOf } from "../values/compare.js";
import type { AttributeType, AttributeValue } from "../values/types.js";
import { parseConditionSyntax } from "./condition-syntax.js";
import type { ExpressionContext } from "./context.js";
import { type DocumentPath, formatPath, pathsEqual } from "./document-path.js";
import { describeLiteral, type ExpressionKind, invalidExpression } from "./expression-error.js";
import { checkCall, documentPathRequired, incorrectLiteralType } from "./functions.js";
import { maxInOperands } from "./limits.js";
import { ExpressionParser } from "./parser.js";
import { checkReferences, resolvePath, resolveValue } from "./references.js";
import type { ComparisonOperator, SyntaxNode } from "./syntax-tree.js";

export type { ComparisonOperator } from "./syntax-tree.js";

export type Operand =
  | { kind: "path"; path: DocumentPath }
  | { kind: "value"; value: AttributeValue }
  | { kind: "size"; operand: Operand };

export type Condition =
  | { kind: "comparison"; operator: ComparisonOperator; left: Operand; right: Operand }
  | { kind: "between"; subject: Operand; lower: Operand; upper: Operand }
  | { kind: "in"; subject: Operand; candidates: Operand[] }
  | { kind: "and" | "or"; left: Condition; right: Condition }
  | { kind: "not"; condition: Condition }
  | { kind: "attribute_exists" | "attribute_not_exists"; path: DocumentPath }
  | { kind: "attribute_type"; path: DocumentPath; type: AttributeType }
  | { kind: "begins_with"; subject: Operand; prefix: Operand }
  | { kind: "contains"; subject: Operand; operand: Operand };

const attributeTypeNames: readonly AttributeType[] = [
  "N",
  "BS",
  "L",
  "B",
  "NULL",
  "M",
  "S",
  "SS",
  "NS",
  "BOOL",
];
const orderedTypes: ReadonlySet<AttributeType> = new Set<AttributeType>(["S", "N", "B"]);
const prefixTypes: ReadonlySet<AttributeType> = new Set<AttributeType>(["S", "B"]);

/** The error for `((…))`, shared with the update builder. */
export function assertNotRedundant(kind: ExpressionKind, node: SyntaxNode & { kind: "parenthesized" }): void {
  if (node.inner.kind === "parenthesized") {
    throw invalidExpression(kind, "The expression has redundant parentheses;");
  }
}

class ConditionBuilder {
  readonly #kind: ExpressionKind;
  readonly #context: ExpressionContext;

  constructor(kind: ExpressionKind, context: ExpressionContext) {
    this.#kind = kind;
    this.#context = context;
  }

  condition(node: SyntaxNode): Condition {
    switch (node.kind) {
      case "parenthesized":
        assertNotRedundant(this.#kind, node);
        return this.condition(node.inner);
      case "and":
      case "or":
        return { kind: node.kind, left: this.condition(node.left), right: this.condition(node.right) };
      case "not":
        return { kind: "not", condition: this.condition(node.operand) };
      case "comparison":
        return this.comparison(node.operator, node.left, node.right);
      case "between":
        return this.between(node.subject, node.lower, node.upper);
      case "in":
        return this.in(node.subject, node.candidates);
      case "call":
        return this.call(node);
      default:
        // The grammar only lets calls and parenthesized groups stand alone as conditions.
        throw new Error(`Unexpected ${node.kind} node where a condition belongs`);
    }
  }

  operand(node: SyntaxNode): Operand {
    switch (node.kind) {
      case "parenthesized":
        assertNotRedundant(this.#kind, node);
        return this.operand(node.inner);
      case "path":
        return { kind: "path", path: resolvePath(node, this.#context) };
      case "value":
        return { kind: "value", value: resolveValue(node, this.#context) };
      case "call": {
        checkCall(this.#kind, node.name, node.args.length, "conditionOperand");
        const operand = this.operand(node.args[0] as SyntaxNode);
        if (operand.kind === "size") throw incorrectLiteralType(this.#kind, "size", "N");
        return { kind: "size", operand };
      }
      default:
        throw new Error(`Unexpected ${node.kind} node where an operand belongs`);
    }
  }

  private comparison(operator: ComparisonOperator, leftNode: SyntaxNode, rightNode: SyntaxNode): Condition {
    const left = this.operand(leftNode);
    const right = this.operand(rightNode);
    if (operator !== "=" && operator !== "<>")
      this.requireLiteralTypes(operator, [left, right], orderedTypes);
    this.requireDistinctFirst(operator, [left, right]);
    return { kind: "comparison", operator, left, right };
  }

  private between(subjectNode: SyntaxNode, lowerNode: SyntaxNode, upperNode: SyntaxNode): Condition {
    const subject = this.operand(subjectNode);
    const lower = this.operand(lowerNode);
    const upper = this.operand(upperNode);
    this.requireLiteralTypes("BETWEEN", [subject, lower, upper], orderedTypes);
    this.requireDistinctFirst("BETWEEN", [subject, lower, upper]);
    if (lower.kind === "value" && upper.kind === "value") {
      const bounds = `lower bound operand: ${describeLiteral(lower.value)}, upper bound operand: ${describeLiteral(upper.value)}`;
      const order = compareValues(lower.value, upper.value);
      if (order === undefined) {
        throw invalidExpression(
          this.#kind,
          `The BETWEEN operator requires same data type for lower and upper bounds; ${bounds}`,
        );
      }
      if (order > 0) {
        throw invalidExpression(
          this.#kind,
          `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${bounds}`,
        );
      }
    }
    return { kind: "between", subject, lower, upper };
  }

  private in(subjectNode: SyntaxNode, candidateNodes: SyntaxNode[]): Condition {
    if (candidateNodes.length > maxInOperands) {
      throw invalidExpression(
        this.#kind,
        `The IN operator is provided with too many operands; number of operands: ${candidateNodes.length}`,
      );
    }
    const subject = this.operand(subjectNode);
    const candidates = candidateNodes.map((candidate) => this.operand(candidate));
    this.requireDistinctFirst("IN", [subject, ...candidates]);
    return { kind: "in", subject, candidates };
  }

  private call(node: SyntaxNode & { kind: "call" }): Condition {
    const name = checkCall(this.#kind, node.name, node.args.length, "condition");
    const [first, second] = node.args.map((arg) => this.operand(arg)) as [Operand, Operand | undefined];
    switch (name) {
      case "attribute_exists":
      case "attribute_not_exists":
        return { kind: name, path: this.requirePath(name, first) };
      case "attribute_type":
        return {
          kind: name,
          path: this.requirePath(name, first),
          type: this.attributeTypeName(second as Operand),
        };
      case "begins_with":
        this.requireLiteralTypes(name, [first, second as Operand], prefixTypes);
        this.requireDistinctFirst(name, [first, second as Operand]);
        return { kind: name, subject: first, prefix: second as Operand };
      default:
        this.requireDistinctFirst(name, [first, second as Operand]);
        return { kind: "contains", subject: first, operand: second as Operand };
    }
  }

  private requirePath(functionName: string, operand: Operand): DocumentPath {
    if (operand.kind !== "path") throw documentPathRequired(this.#kind, functionName);
    return operand.path;
  }

  private attributeTypeName(operand: Operand): AttributeType {
    if (operand.kind !== "value") {
      throw incorrectLiteralType(this.#kind, "attribute_type", operand.kind === "size" ? "N" : "PATH");
    }
    if (!("S" in operand.value))
      throw incorrectLiteralType(this.#kind, "attribute_type", typeOf(operand.value));
    const name = operand.value.S;
    if (!(attributeTypeNames as readonly string[]).includes(name)) {
      throw invalidExpression(
        this.#kind,
        `Invalid attribute type name found; type: ${name}, valid types: {${attributeTypeNames.join(",")}}`,
      );
    }
    return name as AttributeType;
  }

  /** Literals (and `size` results, which are numbers) must be of one of `allowed`. */
  private requireLiteralTypes(
    operator: string,
    operands: Operand[],
    allowed: ReadonlySet<AttributeType>,
  ): void {
    for (const operand of operands) {
      const type =
        operand.kind === "value" ? typeOf(operand.value) : operand.kind === "size" ? "N" : undefined;
      if (type !== undefined && !allowed.has(type)) throw incorrectLiteralType(this.#kind, operator, type);
    }
  }

  /** DynamoDB rejects an operator whose first operand, a path, appears again among the others. */
  private requireDistinctFirst(operator: string, operands: Operand[]): void {
    const [first, ...rest] = operands;
    if (first?.kind !== "path") return;
    if (rest.some((operand) => operand.kind === "path" && pathsEqual(operand.path, first.path))) {
      throw invalidExpression(
        this.#kind,
        `The first operand must be distinct from the remaining operands for this operator or function; ` +
          `operator: ${operator}, first operand: ${formatPath(first.path)}`,
      );
    }
  }
}

/** Builds a condition from its syntax tree; placeholders must have passed `checkReferences`. */
export function buildCondition(
  kind: ExpressionKind,
  node: SyntaxNode,
  context: ExpressionContext,
): Condition {
  return new ConditionBuilder(kind, context).condition(node);
}

/**
 * Parses a ConditionExpression or FilterExpression: syntax, bounds, reserved words, placeholders
 * (marked used in `context`), then DynamoDB's semantic checks.
 */
export function parseCondition(
  text: string,
  context: ExpressionContext,
  kind: "ConditionExpression" | "FilterExpression",
): Condition {
  const parser = new ExpressionParser(kind, text);
  const syntax = parseConditionSyntax(parser);
  checkReferences(parser, context);
  return buildCondition(kind, syntax, context);
}
