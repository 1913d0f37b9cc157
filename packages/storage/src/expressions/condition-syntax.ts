/**
 * The grammar of ConditionExpression, FilterExpression and KeyConditionExpression:
 *
 *   condition  := or
 *   or         := and ("OR" and)*
 *   and        := not ("AND" not)*
 *   not        := "NOT" not | predicate
 *   predicate  := term (comparator operand | "BETWEEN" operand "AND" operand
 *                       | "IN" "(" operand ("," operand)* ")")?
 *   term       := "(" condition ")" | operand
 *
 * A term alone must be a function call (attribute_exists(…), …) or a parenthesized condition. Inside
 * parentheses a bare operand is allowed too, which is how `(a) = :v` parses: whether a group on the
 * left holds a condition or a value is known only once the token after it is seen. Right of an
 * operator only values may follow, so `a = (b = :v)` fails at the inner `=`, as in DynamoDB.
 */
import type { ExpressionParser } from "./parser.js";
import { type ComparisonOperator, isOperand, isPlainOperand, type SyntaxNode } from "./syntax-tree.js";

const comparators: ReadonlySet<string> = new Set<ComparisonOperator>(["=", "<>", "<", "<=", ">", ">="]);

/** Parses a whole condition; the expression must end after it. */
export function parseConditionSyntax(parser: ExpressionParser): SyntaxNode {
  const condition = parseOr(parser, false);
  parser.expectEnd();
  return condition;
}

function parseOr(parser: ExpressionParser, operandAllowed: boolean): SyntaxNode {
  let left = parseAnd(parser, operandAllowed);
  while (parser.atKeyword("OR")) {
    if (isPlainOperand(left)) throw parser.syntaxError();
    parser.next();
    parser.countOperator();
    left = { kind: "or", left, right: parseAnd(parser, false) };
  }
  return left;
}

function parseAnd(parser: ExpressionParser, operandAllowed: boolean): SyntaxNode {
  let left = parseNot(parser, operandAllowed);
  while (parser.atKeyword("AND")) {
    if (isPlainOperand(left)) throw parser.syntaxError();
    parser.next();
    parser.countOperator();
    left = { kind: "and", left, right: parseNot(parser, false) };
  }
  return left;
}

function parseNot(parser: ExpressionParser, operandAllowed: boolean): SyntaxNode {
  if (!parser.atKeyword("NOT")) return parsePredicate(parser, operandAllowed);
  parser.next();
  parser.countOperator();
  return { kind: "not", operand: parseNot(parser, false) };
}

function parseTerm(parser: ExpressionParser): SyntaxNode {
  if (parser.atPunctuation("(")) return parser.parseParenthesized(() => parseOr(parser, true));
  return parser.parseOperand();
}

function parsePredicate(parser: ExpressionParser, operandAllowed: boolean): SyntaxNode {
  const left = parseTerm(parser);
  const token = parser.peek();
  const isComparator = token.kind === "punctuation" && comparators.has(token.text);
  const isBetween = parser.atKeyword("BETWEEN");
  const isIn = parser.atKeyword("IN");
  if (!isComparator && !isBetween && !isIn) {
    if (!isPlainOperand(left) || operandAllowed) return left;
    throw parser.syntaxError();
  }
  if (!isOperand(left)) throw parser.syntaxError();
  parser.next();
  parser.countOperator();
  if (isComparator) {
    return {
      kind: "comparison",
      operator: token.text as ComparisonOperator,
      left,
      right: parser.parseOperand(),
    };
  }
  if (isBetween) {
    const lower = parser.parseOperand();
    parser.expectKeyword("AND");
    return { kind: "between", subject: left, lower, upper: parser.parseOperand() };
  }
  parser.expectPunctuation("(");
  const candidates = [parser.parseOperand()];
  while (parser.atPunctuation(",")) {
    parser.next();
    candidates.push(parser.parseOperand());
  }
  parser.expectPunctuation(")");
  return { kind: "in", subject: left, candidates };
}
