/**
 * The bounds DynamoDB puts on expressions, as named constants. Each one is enforced where the text
 * is parsed, so a request over a bound fails with a `ValidationException` before any item is read.
 */

/** Longest expression accepted, in UTF-8 bytes of the expression string (4 KB). */
export const maxExpressionBytes = 4096;

/**
 * Most operators and functions one expression may contain (comparisons, BETWEEN, IN, AND, OR, NOT,
 * function calls, `+` and `-`). DynamoDB reports the count at which it stopped: the limit plus one.
 */
export const maxOperatorCount = 300;

/** Most operands an `IN` list may hold. */
export const maxInOperands = 100;

/** Most elements (names and list indexes) in one document path, such as `a.b[0]` (3). */
export const maxPathDepth = 32;

/** Largest list index a document path may name (a signed 32-bit integer). */
export const maxListIndex = 2_147_483_647;

/**
 * Deepest nesting of parentheses the parser follows. Every level that is not redundant needs its own
 * operator, so the operator limit already bounds useful nesting; this bound only stops hostile input
 * such as a few thousand `(` from exhausting the parser's stack.
 */
export const maxParenthesisDepth = 400;
