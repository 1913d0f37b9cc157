/**
 * The grammar of UpdateExpression:
 *
 *   update     := clause+                      (each of SET, REMOVE, ADD, DELETE at most once)
 *   clause     := "SET" set ("," set)* | "REMOVE" path ("," path)*
 *               | "ADD" path :value ("," path :value)* | "DELETE" path :value ("," path :value)*
 *   set        := path "=" value
 *   value      := "(" value ")" | operand (("+" | "-") operand)?
 *
 * Operands are paths, placeholders, function calls and parenthesized operands; arithmetic takes
 * exactly two of them (`a + b + c` is a syntax error, as in DynamoDB).
 */
import { invalidExpression } from "./expression-error.js";
import type { Keyword } from "./lexer.js";
import type { ExpressionParser } from "./parser.js";
import type { PathNode, SyntaxNode, ValueNode } from "./syntax-tree.js";

export type UpdateClauseKeyword = "SET" | "REMOVE" | "ADD" | "DELETE";

export type UpdateActionSyntax =
  | { clause: "SET"; path: PathNode; value: SyntaxNode }
  | { clause: "REMOVE"; path: PathNode }
  | { clause: "ADD" | "DELETE"; path: PathNode; value: ValueNode };

const clauseKeywords: ReadonlySet<string> = new Set<Keyword>(["SET", "REMOVE", "ADD", "DELETE"]);

/** All actions of an update expression in the order written. */
export function parseUpdateSyntax(parser: ExpressionParser): UpdateActionSyntax[] {
  const actions: UpdateActionSyntax[] = [];
  const seen = new Set<string>();
  do {
    const token = parser.peek();
    if (token.kind !== "keyword" || !clauseKeywords.has(token.value)) throw parser.syntaxError();
    const clause = token.value as UpdateClauseKeyword;
    if (seen.has(clause)) {
      throw invalidExpression(
        parser.kind,
        `The "${clause}" section can only be used once in an update expression;`,
      );
    }
    seen.add(clause);
    parser.next();
    actions.push(parseAction(parser, clause));
    while (parser.atPunctuation(",")) {
      parser.next();
      actions.push(parseAction(parser, clause));
    }
  } while (!parser.atEnd());
  return actions;
}

function parseAction(parser: ExpressionParser, clause: UpdateClauseKeyword): UpdateActionSyntax {
  const path = parser.parsePath();
  if (clause === "REMOVE") return { clause, path };
  if (clause === "SET") {
    parser.expectPunctuation("=");
    return { clause, path, value: parseSetValue(parser) };
  }
  const token = parser.peek();
  if (token.kind !== "valueAlias") throw parser.syntaxError();
  parser.valueAliases.push(parser.next());
  return { clause, path, value: { kind: "value", token } };
}

function parseSetValue(parser: ExpressionParser): SyntaxNode {
  const left = parser.atPunctuation("(")
    ? parser.parseParenthesized(() => parseSetValue(parser))
    : parser.parseOperand();
  if (!parser.atPunctuation("+") && !parser.atPunctuation("-")) return left;
  if (containsArithmetic(left)) throw parser.syntaxError();
  const operator = parser.next().text as "+" | "-";
  parser.countOperator();
  return { kind: "arithmetic", operator, left, right: parser.parseOperand() };
}

function containsArithmetic(node: SyntaxNode): boolean {
  if (node.kind === "parenthesized") return containsArithmetic(node.inner);
  return node.kind === "arithmetic";
}
