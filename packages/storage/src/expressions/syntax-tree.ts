/**
 * The syntax tree the parser builds, before placeholders are substituted and before the semantic
 * rules (function names, operand types, …) are checked. Name and placeholder steps keep their token
 * so that later checks can quote them as written.
 */
import type { Token } from "./lexer.js";

export type ComparisonOperator = "=" | "<>" | "<" | "<=" | ">" | ">=";

export type PathStep =
  | { kind: "name"; token: Token }
  | { kind: "nameAlias"; token: Token }
  | { kind: "index"; index: number };

export interface PathNode {
  kind: "path";
  steps: PathStep[];
}

export interface ValueNode {
  kind: "value";
  token: Token;
}

export type SyntaxNode =
  | PathNode
  | ValueNode
  | { kind: "call"; name: Token; args: SyntaxNode[] }
  | { kind: "parenthesized"; inner: SyntaxNode }
  | { kind: "comparison"; operator: ComparisonOperator; left: SyntaxNode; right: SyntaxNode }
  | { kind: "between"; subject: SyntaxNode; lower: SyntaxNode; upper: SyntaxNode }
  | { kind: "in"; subject: SyntaxNode; candidates: SyntaxNode[] }
  | { kind: "and" | "or"; left: SyntaxNode; right: SyntaxNode }
  | { kind: "not"; operand: SyntaxNode }
  | { kind: "arithmetic"; operator: "+" | "-"; left: SyntaxNode; right: SyntaxNode };

/** Nodes that can only stand where a value is expected (a call may be either, decided later). */
export function isPlainOperand(node: SyntaxNode): boolean {
  if (node.kind === "parenthesized") return isPlainOperand(node.inner);
  return node.kind === "path" || node.kind === "value";
}

/** Nodes usable where a value is expected: paths, placeholders, calls, and those in parentheses. */
export function isOperand(node: SyntaxNode): boolean {
  if (node.kind === "parenthesized") return isOperand(node.inner);
  return node.kind === "path" || node.kind === "value" || node.kind === "call";
}
