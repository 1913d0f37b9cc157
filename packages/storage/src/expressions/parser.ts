/**
 * The recursive-descent machinery every expression grammar shares: a cursor over the tokens,
 * DynamoDB-shaped syntax errors ("Syntax error; token: …, near: …"), the operator and nesting
 * bounds, and the rules for document paths, placeholders and function calls. It also records every
 * bare name and placeholder in the order written, so that `checkReferences` can report the first
 * bad one the way DynamoDB does.
 */
import type { DynamoError } from "../errors.js";
import { type ExpressionKind, invalidExpression } from "./expression-error.js";
import { type Keyword, type Token, tokenize } from "./lexer.js";
import {
  maxExpressionBytes,
  maxListIndex,
  maxOperatorCount,
  maxParenthesisDepth,
  maxPathDepth,
} from "./limits.js";
import type { PathNode, PathStep, SyntaxNode } from "./syntax-tree.js";

export class ExpressionParser {
  readonly kind: ExpressionKind;
  readonly text: string;
  /** Bare attribute names in the order written (checked against the reserved words). */
  readonly bareNames: Token[] = [];
  /** `#name` placeholders in the order written. */
  readonly nameAliases: Token[] = [];
  /** `:value` placeholders in the order written. */
  readonly valueAliases: Token[] = [];
  readonly #tokens: Token[];
  #position = 0;
  #operatorCount = 0;
  #parenthesisDepth = 0;

  /** Checks the size bounds and tokenizes; `text` must be non-empty. */
  constructor(kind: ExpressionKind, text: string) {
    this.kind = kind;
    this.text = text;
    if (text === "") throw invalidExpression(kind, "The expression can not be empty;");
    const sizeBytes = Buffer.byteLength(text, "utf8");
    if (sizeBytes > maxExpressionBytes) {
      throw invalidExpression(
        kind,
        `Expression size has exceeded the maximum allowed size; expression size: ${sizeBytes}`,
      );
    }
    this.#tokens = tokenize(text);
  }

  peek(offset = 0): Token {
    const index = Math.min(this.#position + offset, this.#tokens.length - 1);
    return this.#tokens[index] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (this.#position < this.#tokens.length - 1) this.#position++;
    return token;
  }

  atPunctuation(symbol: string): boolean {
    const token = this.peek();
    return token.kind === "punctuation" && token.text === symbol;
  }

  atKeyword(keyword: Keyword): boolean {
    const token = this.peek();
    return token.kind === "keyword" && token.value === keyword;
  }

  atEnd(): boolean {
    return this.peek().kind === "end";
  }

  expectPunctuation(symbol: string): Token {
    if (!this.atPunctuation(symbol)) throw this.syntaxError();
    return this.next();
  }

  expectKeyword(keyword: Keyword): Token {
    if (!this.atKeyword(keyword)) throw this.syntaxError();
    return this.next();
  }

  expectEnd(): void {
    if (!this.atEnd()) throw this.syntaxError();
  }

  /** Where the cursor is, for reporting a syntax error at a token already passed. */
  get position(): number {
    return this.#position;
  }

  /**
   * DynamoDB's syntax error: the offending token, and the text from the start of the token before it
   * to the end of the token after it (the start or end of the expression where there is none).
   */
  syntaxError(at = this.#position): DynamoError {
    const token = this.#tokens[at] as Token;
    const before = this.#tokens[at - 1];
    const after = token.kind === "end" ? undefined : this.#tokens[at + 1];
    const nearStart = before === undefined ? 0 : before.start;
    const nearEnd = after === undefined || after.kind === "end" ? this.text.length : after.end;
    return invalidExpression(
      this.kind,
      `Syntax error; token: "${token.text}", near: "${this.text.slice(nearStart, nearEnd)}"`,
    );
  }

  /** Counts one operator or function; DynamoDB stops at the first one over the limit. */
  countOperator(): void {
    this.#operatorCount++;
    if (this.#operatorCount > maxOperatorCount) {
      throw invalidExpression(
        this.kind,
        `The expression contains too many operators; operator count: ${this.#operatorCount}`,
      );
    }
  }

  /** Parses `( inner )` with `parseInner`, bounding how deep parentheses nest. */
  parseParenthesized(parseInner: () => SyntaxNode): SyntaxNode {
    this.expectPunctuation("(");
    this.#parenthesisDepth++;
    if (this.#parenthesisDepth > maxParenthesisDepth) {
      throw invalidExpression(
        this.kind,
        `The expression has too many nested parentheses; nesting levels: ${this.#parenthesisDepth}`,
      );
    }
    const inner = parseInner();
    this.expectPunctuation(")");
    this.#parenthesisDepth--;
    return { kind: "parenthesized", inner };
  }

  /** `name`, `#alias`, then any number of `.name`, `.#alias` and `[index]`. */
  parsePath(): PathNode {
    const steps: PathStep[] = [this.parsePathName()];
    for (;;) {
      if (this.atPunctuation(".")) {
        this.next();
        steps.push(this.parsePathName());
      } else if (this.atPunctuation("[")) {
        this.next();
        steps.push(this.parseListIndex());
        this.expectPunctuation("]");
      } else {
        break;
      }
    }
    if (steps.length > maxPathDepth) {
      throw invalidExpression(
        this.kind,
        `The document path has too many nesting levels; nesting levels: ${steps.length}`,
      );
    }
    return { kind: "path", steps };
  }

  private parsePathName(): PathStep {
    const token = this.peek();
    if (token.kind === "name") {
      this.bareNames.push(this.next());
      return { kind: "name", token };
    }
    if (token.kind === "nameAlias") {
      this.nameAliases.push(this.next());
      return { kind: "nameAlias", token };
    }
    throw this.syntaxError();
  }

  private parseListIndex(): PathStep {
    const token = this.peek();
    if (token.kind !== "integer") throw this.syntaxError();
    this.next();
    const index = Number(token.text);
    if (!(index <= maxListIndex)) {
      throw invalidExpression(
        this.kind,
        `List index is not within the allowable range; index: [${token.text}]`,
      );
    }
    return { kind: "index", index };
  }

  /** A value operand: a path, a `:value` placeholder, a function call, or one of those in parentheses. */
  parseOperand(): SyntaxNode {
    const token = this.peek();
    if (token.kind === "punctuation" && token.text === "(") {
      return this.parseParenthesized(() => this.parseOperand());
    }
    if (token.kind === "valueAlias") {
      this.valueAliases.push(this.next());
      return { kind: "value", token };
    }
    if (token.kind === "name" && this.peek(1).kind === "punctuation" && this.peek(1).text === "(") {
      return this.parseCall();
    }
    return this.parsePath();
  }

  /** `name(operand, …)`: the name is not checked here; each grammar decides which functions it allows. */
  parseCall(): SyntaxNode {
    const name = this.next();
    this.countOperator();
    this.expectPunctuation("(");
    const args = [this.parseOperand()];
    while (this.atPunctuation(",")) {
      this.next();
      args.push(this.parseOperand());
    }
    this.expectPunctuation(")");
    return { kind: "call", name, args };
  }
}
