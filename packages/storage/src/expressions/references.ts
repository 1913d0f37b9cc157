/**
 * Substitutes placeholders. After an expression parses, `checkReferences` applies DynamoDB's checks
 * in DynamoDB's order — reserved words used bare, then undefined `#names`, then undefined `:values` —
 * and marks every placeholder it meets as used. Afterwards the builders turn path and value nodes
 * into document paths and attribute values with `resolvePath` and `resolveValue`.
 */
import type { AttributeValue } from "../values/types.js";
import type { ExpressionContext } from "./context.js";
import type { DocumentPath } from "./document-path.js";
import { invalidExpression } from "./expression-error.js";
import type { ExpressionParser } from "./parser.js";
import { isReservedWord } from "./reserved-words.js";
import type { PathNode, ValueNode } from "./syntax-tree.js";

export function checkReferences(parser: ExpressionParser, context: ExpressionContext): void {
  for (const token of parser.bareNames) {
    if (isReservedWord(token.text)) {
      throw invalidExpression(
        parser.kind,
        `Attribute name is a reserved keyword; reserved keyword: ${token.text}`,
      );
    }
  }
  for (const token of parser.nameAliases) {
    if (context.resolveName(token.text) === undefined) {
      throw invalidExpression(
        parser.kind,
        `An expression attribute name used in the document path is not defined; attribute name: ${token.text}`,
      );
    }
  }
  for (const token of parser.valueAliases) {
    if (context.resolveValue(token.text) === undefined) {
      throw invalidExpression(
        parser.kind,
        `An expression attribute value used in expression is not defined; attribute value: ${token.text}`,
      );
    }
  }
}

/** The document path a path node names; its placeholders must have passed `checkReferences`. */
export function resolvePath(node: PathNode, context: ExpressionContext): DocumentPath {
  return node.steps.map((step) => {
    if (step.kind === "index") return step.index;
    if (step.kind === "name") return step.token.text;
    const name = context.resolveName(step.token.text);
    if (name === undefined) throw new Error(`Unchecked attribute name placeholder ${step.token.text}`);
    return name;
  });
}

/** The value a placeholder node stands for; it must have passed `checkReferences`. */
export function resolveValue(node: ValueNode, context: ExpressionContext): AttributeValue {
  const value = context.resolveValue(node.token.text);
  if (value === undefined) throw new Error(`Unchecked attribute value placeholder ${node.token.text}`);
  return value;
}
