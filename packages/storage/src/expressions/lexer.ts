/**
 * Splits expression text into tokens with their offsets. The token shapes follow DynamoDB's lexer:
 * names are a letter then letters, digits or `_`; `#name` and `:value` placeholders; integers without
 * leading zeros (list indexes); the nine grammar keywords, case-insensitively; punctuation. Any other
 * character becomes a one-character `unknown` token so that the parser reports it as the syntax
 * error's token, the way DynamoDB does.
 */

export type TokenKind =
  | "name"
  | "keyword"
  | "nameAlias"
  | "valueAlias"
  | "integer"
  | "punctuation"
  | "unknown"
  | "end";

/** The grammar's keywords. They can never be attribute names, not even with a reserved-word escape. */
export type Keyword = "AND" | "OR" | "NOT" | "BETWEEN" | "IN" | "SET" | "REMOVE" | "ADD" | "DELETE";

const keywords: ReadonlySet<string> = new Set<Keyword>([
  "AND",
  "OR",
  "NOT",
  "BETWEEN",
  "IN",
  "SET",
  "REMOVE",
  "ADD",
  "DELETE",
]);

export interface Token {
  kind: TokenKind;
  /** The token as written; `<EOF>` for the end token. Keywords keep their original case here. */
  text: string;
  /** For keywords, the upper-case keyword; otherwise the same as `text`. */
  value: string;
  /** Offset of the first character in the expression (UTF-16 code units). */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

const punctuation = ["<>", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", ".", ",", "+", "-"];

function isLetter(char: string): boolean {
  return (char >= "a" && char <= "z") || (char >= "A" && char <= "Z");
}

function isDigit(char: string): boolean {
  return char >= "0" && char <= "9";
}

function isNameCharacter(char: string): boolean {
  return isLetter(char) || isDigit(char) || char === "_";
}

function isWhitespace(char: string): boolean {
  return char === " " || char === "\t" || char === "\n" || char === "\r";
}

/** Index just past the run of name characters starting at `from`. */
function endOfNameCharacters(text: string, from: number): number {
  let index = from;
  while (index < text.length && isNameCharacter(text.charAt(index))) index++;
  return index;
}

function readToken(text: string, start: number): Token {
  const char = text.charAt(start);
  const make = (kind: TokenKind, end: number): Token => {
    const written = text.slice(start, end);
    return { kind, text: written, value: written, start, end };
  };
  if (isLetter(char)) {
    const token = make("name", endOfNameCharacters(text, start));
    const upper = token.text.toUpperCase();
    return keywords.has(upper) ? { ...token, kind: "keyword", value: upper } : token;
  }
  if ((char === "#" || char === ":") && isNameCharacter(text.charAt(start + 1))) {
    return make(char === "#" ? "nameAlias" : "valueAlias", endOfNameCharacters(text, start + 1));
  }
  if (isDigit(char)) {
    if (char === "0") return make("integer", start + 1);
    let end = start + 1;
    while (end < text.length && isDigit(text.charAt(end))) end++;
    return make("integer", end);
  }
  for (const symbol of punctuation) {
    if (text.startsWith(symbol, start)) return make("punctuation", start + symbol.length);
  }
  const codePoint = text.codePointAt(start) ?? 0;
  return make("unknown", start + (codePoint > 0xffff ? 2 : 1));
}

/** All tokens of `text`, ending with one `end` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    if (isWhitespace(text.charAt(index))) {
      index++;
      continue;
    }
    const token = readToken(text, index);
    tokens.push(token);
    index = token.end;
  }
  tokens.push({ kind: "end", text: "<EOF>", value: "<EOF>", start: text.length, end: text.length });
  return tokens;
}
