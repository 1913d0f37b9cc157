/**
 * An update expression after placeholder substitution and DynamoDB's checks: the list of actions,
 * plus the builder that makes it from the syntax tree. The builder rejects what DynamoDB rejects
 * before reading the item: functions that do not belong in SET, literals of the wrong type for `+`,
 * `-`, list_append, ADD and DELETE, redundant parentheses, and target paths that overlap or conflict.
 */
import { typeOf } from "../values/compare.js";
import type { AttributeType, AttributeValue } from "../values/types.js";
import { assertNotRedundant } from "./condition.js";
import type { ExpressionContext } from "./context.js";
import { type DocumentPath, pathsEqual } from "./document-path.js";
import { invalidExpression } from "./expression-error.js";
import {
  checkCall,
  documentPathRequired,
  functionNotAllowedHere,
  incorrectLiteralType,
} from "./functions.js";
import { ExpressionParser } from "./parser.js";
import { disjointPathsInVisitOrder } from "./path-tree.js";
import { checkReferences, resolvePath, resolveValue } from "./references.js";
import type { SyntaxNode } from "./syntax-tree.js";
import { parseUpdateSyntax, type UpdateActionSyntax } from "./update-syntax.js";

/** A value inside SET: read from the item, given as a placeholder, or computed by a function. */
export type UpdateOperand =
  | { kind: "path"; path: DocumentPath }
  | { kind: "value"; value: AttributeValue }
  | { kind: "if_not_exists"; path: DocumentPath; fallback: UpdateOperand }
  | { kind: "list_append"; first: UpdateOperand; second: UpdateOperand };

export type SetValue =
  | UpdateOperand
  | { kind: "arithmetic"; operator: "+" | "-"; left: UpdateOperand; right: UpdateOperand };

export type UpdateAction =
  | { action: "SET"; path: DocumentPath; value: SetValue }
  | { action: "REMOVE"; path: DocumentPath }
  | { action: "ADD" | "DELETE"; path: DocumentPath; value: AttributeValue };

export class UpdatePlan {
  /** The actions in the order written. */
  readonly actions: readonly UpdateAction[];
  /**
   * The same actions in the order DynamoDB meets them when it applies the update, which decides
   * the error reported by an update with several faults.
   */
  readonly visitOrder: readonly UpdateAction[];

  constructor(actions: readonly UpdateAction[], visitOrder: readonly UpdateAction[]) {
    this.actions = actions;
    this.visitOrder = visitOrder;
  }

  /**
   * The top-level attributes the update writes or removes, each once, in order of appearance: the
   * caller rejects an update that touches a key attribute.
   */
  topLevelAttributes(): string[] {
    return [...new Set(this.actions.map((action) => action.path[0] as string))];
  }
}

/** How DynamoDB names types in ADD and DELETE operand errors. */
const typeWords: Readonly<Record<AttributeType, string>> = {
  S: "STRING",
  N: "NUMBER",
  B: "BINARY",
  BOOL: "BOOLEAN",
  NULL: "NULL",
  L: "LIST",
  M: "MAP",
  SS: "STRING_SET",
  NS: "NUMBER_SET",
  BS: "BINARY_SET",
};

const setTypes: ReadonlySet<AttributeType> = new Set<AttributeType>(["SS", "NS", "BS"]);

class UpdateBuilder {
  readonly #context: ExpressionContext;

  constructor(context: ExpressionContext) {
    this.#context = context;
  }

  action(syntax: UpdateActionSyntax): UpdateAction {
    const path = resolvePath(syntax.path, this.#context);
    if (syntax.clause === "REMOVE") return { action: "REMOVE", path };
    if (syntax.clause === "SET") return { action: "SET", path, value: this.setValue(syntax.value) };
    const value = resolveValue(syntax.value, this.#context);
    const type = typeOf(value);
    const allowed = setTypes.has(type) || (syntax.clause === "ADD" && type === "N");
    if (!allowed) {
      throw invalidExpression(
        "UpdateExpression",
        `Incorrect operand type for operator or function; operator: ${syntax.clause}, ` +
          `operand type: ${typeWords[type]}, typeSet: ALLOWED_FOR_${syntax.clause}_OPERAND`,
      );
    }
    return { action: syntax.clause, path, value };
  }

  private setValue(node: SyntaxNode): SetValue {
    if (node.kind === "parenthesized") {
      assertNotRedundant("UpdateExpression", node);
      return this.setValue(node.inner);
    }
    if (node.kind !== "arithmetic") return this.operand(node);
    const left = this.operand(node.left);
    const right = this.operand(node.right);
    this.requireLiteralType(node.operator, [left, right], "N");
    return { kind: "arithmetic", operator: node.operator, left, right };
  }

  private operand(node: SyntaxNode): UpdateOperand {
    switch (node.kind) {
      case "parenthesized":
        assertNotRedundant("UpdateExpression", node);
        return this.operand(node.inner);
      case "path":
        return { kind: "path", path: resolvePath(node, this.#context) };
      case "value":
        return { kind: "value", value: resolveValue(node, this.#context) };
      case "call":
        return this.call(node);
      default:
        throw new Error(`Unexpected ${node.kind} node where an update operand belongs`);
    }
  }

  private call(node: SyntaxNode & { kind: "call" }): UpdateOperand {
    const name = checkCall("UpdateExpression", node.name, node.args.length, "update");
    const [first, second] = node.args.map((arg) => this.operand(arg)) as [UpdateOperand, UpdateOperand];
    if (name === "if_not_exists") {
      if (first.kind !== "path") throw documentPathRequired("UpdateExpression", name);
      if (second.kind === "list_append") throw functionNotAllowedHere("UpdateExpression", "list_append");
      return { kind: name, path: first.path, fallback: second };
    }
    if (first.kind === "list_append" || second.kind === "list_append") {
      throw functionNotAllowedHere("UpdateExpression", "list_append");
    }
    this.requireLiteralType("list_append", [first, second], "L");
    return { kind: "list_append", first, second };
  }

  private requireLiteralType(operator: string, operands: UpdateOperand[], required: AttributeType): void {
    for (const operand of operands) {
      if (operand.kind !== "value") continue;
      const type = typeOf(operand.value);
      if (type !== required) throw incorrectLiteralType("UpdateExpression", operator, type);
    }
  }
}

/**
 * The checks DynamoDB makes on a SET value before it looks at the target paths: function names,
 * where a function may stand, its operand count, and redundant parentheses.
 */
function checkCallsAndParentheses(node: SyntaxNode): void {
  if (node.kind === "parenthesized") {
    assertNotRedundant("UpdateExpression", node);
    checkCallsAndParentheses(node.inner);
  } else if (node.kind === "call") {
    checkCall("UpdateExpression", node.name, node.args.length, "update");
    node.args.forEach(checkCallsAndParentheses);
  } else if (node.kind === "arithmetic") {
    checkCallsAndParentheses(node.left);
    checkCallsAndParentheses(node.right);
  }
}

/**
 * Builds the plan from parsed actions; placeholders must have passed `checkReferences`. The checks
 * run in DynamoDB's order: functions and parentheses, then overlapping target paths, then operand
 * types.
 */
export function buildUpdatePlan(syntax: UpdateActionSyntax[], context: ExpressionContext): UpdatePlan {
  for (const action of syntax) if (action.clause === "SET") checkCallsAndParentheses(action.value);
  const paths = disjointPathsInVisitOrder(
    "UpdateExpression",
    syntax.map((action) => resolvePath(action.path, context)),
  );
  const builder = new UpdateBuilder(context);
  // DynamoDB checks operand types last action first.
  const actions = [...syntax]
    .reverse()
    .map((action) => builder.action(action))
    .reverse();
  const visitOrder = paths.map(
    (path) => actions.find((action) => pathsEqual(action.path, path)) as UpdateAction,
  );
  return new UpdatePlan(actions, visitOrder);
}

/**
 * Parses an UpdateExpression: syntax, bounds, reserved words, placeholders (marked used in
 * `context`), then DynamoDB's checks on functions, literal types and overlapping paths.
 */
export function parseUpdate(text: string, context: ExpressionContext): UpdatePlan {
  const parser = new ExpressionParser("UpdateExpression", text);
  const syntax = parseUpdateSyntax(parser);
  checkReferences(parser, context);
  return buildUpdatePlan(syntax, context);
}
