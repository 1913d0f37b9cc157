/**
 * Parsing of conditions: precedence, every operator and function, syntax errors with DynamoDB's
 * "token"/"near" report, reserved words, placeholder bookkeeping and the size bounds. Every expected
 * error message here was checked against DynamoDB Local 1.25.
 */
import { describe, expect, it } from "vitest";
import {
  ExpressionContext,
  isReservedWord,
  parseCondition,
  parseUpdate,
} from "../../src/expressions/index.js";
import type { AttributeValue } from "../../src/values/types.js";
import { errorMessage, filter } from "./helpers.js";

const item = { a: { N: "1" }, b: { N: "2" }, c: { N: "3" } };
const numbers = { ":one": { N: "1" }, ":two": { N: "2" }, ":nine": { N: "9" } };

/** The placeholders `text` uses, so that the unused-value check stays quiet. */
function valuesFor(text: string): Record<string, { N: string }> {
  return Object.fromEntries(Object.entries(numbers).filter(([key]) => new RegExp(`${key}\\b`).test(text)));
}

function check(text: string): boolean {
  return filter(text, item, valuesFor(text));
}

function syntaxErrorOf(text: string): string {
  return errorMessage(() => filter(text, item, valuesFor(text)));
}

describe("precedence (checked against DynamoDB Local)", () => {
  it("binds AND tighter than OR", () => {
    // true OR (false AND false) is true; (true OR false) AND false would be false.
    expect(check("a = :one OR a = :two AND a = :nine")).toBe(true);
    expect(check("(a = :one OR a = :two) AND a = :nine")).toBe(false);
  });

  it("binds NOT tighter than AND", () => {
    // (NOT a = 1) AND a = 1 is false; NOT (a = 1 AND a = 1) is false too, so use OR to tell them apart.
    expect(check("NOT a = :two AND a = :one")).toBe(true);
    expect(check("NOT a = :one OR a = :one")).toBe(true);
    expect(check("NOT (a = :one OR a = :one)")).toBe(false);
    expect(check("not not a = :one")).toBe(true);
  });

  it("accepts keywords in any case and any whitespace", () => {
    expect(check("a = :one\tand\nb BeTwEeN :one AND :two\r")).toBe(true);
    expect(check("a in (:two, :one)")).toBe(true);
  });

  it("allows parentheses around operands and conditions, but not doubled ones", () => {
    expect(check("(a) = (:one)")).toBe(true);
    expect(check("(a = :one) AND (attribute_exists(b))")).toBe(true);
    expect(syntaxErrorOf("((a = :one))")).toBe(
      "ValidationException: Invalid FilterExpression: The expression has redundant parentheses;",
    );
    expect(syntaxErrorOf("((a)) = :one")).toContain("redundant parentheses");
  });
});

describe("syntax errors name the token and the text around it (DynamoDB Local wording)", () => {
  const cases: [string, string, string][] = [
    ["a = = :one", "=", "= = :one"],
    ["a = :one AND", "<EOF>", "AND"],
    ["a = :one b = :one", "b", ":one b ="],
    ["(a = :one", "<EOF>", ":one"],
    ["a = :one)", ")", ":one)"],
    ["a-b = :one", "-", "a-b"],
    ["a $ :one", "$", "a $ :one"],
    ["a = 'x'", "'", "= 'x"],
    ["a = 5", "5", "= 5"],
    ["a[x] = :one", "x", "[x]"],
    ["a[-1] = :one", "-", "[-1"],
    ["a.[1] = :one", "[", ".[1"],
    ["_a = :one", "_", "_a"],
    ["1a = :one", "1", "1a"],
    ["a[007] = :one", "0", "007"],
    ["   ", "<EOF>", "   "],
    ["a", "<EOF>", "a"],
    [":one", "<EOF>", ":one"],
    ["a = :one# ", "#", ":one# "],
    ["a = :", ":", "= :"],
    ["a IN :one", ":one", "IN :one"],
    ["a IN ()", ")", "()"],
    ["a BETWEEN :one", "<EOF>", ":one"],
    ["a < b < c", "<", "b < c"],
    ["a = (b = :one)", "=", "b = :one"],
    ["a = :one and set = :one", "set", "and set ="],
  ];
  it.each(cases)("%s → token %s near %s", (text, token, near) => {
    const values: Record<string, AttributeValue> = text.includes(":one") ? { ":one": { N: "1" } } : {};
    expect(errorMessage(() => filter(text, item, values))).toBe(
      `ValidationException: Invalid FilterExpression: Syntax error; token: "${token}", near: "${near}"`,
    );
  });

  it("rejects an empty expression with its own message", () => {
    expect(errorMessage(() => filter("", item))).toBe(
      "ValidationException: Invalid FilterExpression: The expression can not be empty;",
    );
  });

  it("prefixes errors with the member the expression came from", () => {
    const context = new ExpressionContext();
    expect(errorMessage(() => parseCondition("a >", context, "ConditionExpression"))).toBe(
      'ValidationException: Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ">"',
    );
  });
});

describe("functions", () => {
  const message = (text: string, values: Record<string, unknown> = {}) =>
    errorMessage(() => filter(text, item, values as Record<string, { N: string }>));

  it("rejects unknown and wrongly cased function names", () => {
    expect(message("foo(a)")).toBe(
      "ValidationException: Invalid FilterExpression: Invalid function name; function: foo",
    );
    expect(message("ATTRIBUTE_EXISTS(a)")).toContain("Invalid function name; function: ATTRIBUTE_EXISTS");
  });

  it("rejects functions where their result cannot stand", () => {
    expect(message("size(a)")).toContain(
      "The function is not allowed to be used this way in an expression; function: size",
    );
    expect(message("attribute_exists(a) = :t", { ":t": { BOOL: true } })).toContain(
      "The function is not allowed to be used this way in an expression; function: attribute_exists",
    );
    expect(message("if_not_exists(a, :one) = :one", { ":one": { N: "1" } })).toContain(
      "The function is not allowed in a condition expression; function: if_not_exists",
    );
  });

  it("checks operand counts, document paths and literal types", () => {
    expect(message("attribute_exists(a, b)")).toContain(
      "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
    );
    expect(message("attribute_exists(:one)", { ":one": { N: "1" } })).toContain(
      "Operator or function requires a document path; operator or function: attribute_exists",
    );
    expect(message("begins_with(a, :one)", { ":one": { N: "1" } })).toContain(
      "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
    );
    expect(message("begins_with(a, size(b))")).toContain(
      "operator or function: begins_with, operand type: N",
    );
    expect(message("size(size(a)) = :one", { ":one": { N: "1" } })).toContain(
      "operator or function: size, operand type: N",
    );
    expect(message("attribute_type(a, :t)", { ":t": { S: "x" } })).toContain(
      "Invalid attribute type name found; type: x, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}",
    );
    expect(message("attribute_type(a, :t)", { ":t": { N: "1" } })).toContain(
      "operator or function: attribute_type, operand type: N",
    );
    expect(message("a < :t", { ":t": { BOOL: true } })).toContain(
      "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL",
    );
    expect(message("a BETWEEN :t AND :t", { ":t": { SS: ["x"] } })).toContain(
      "operator or function: BETWEEN, operand type: SS",
    );
  });

  it("rejects a path compared with itself, but not size() with itself", () => {
    expect(message("a = a")).toContain(
      "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
    );
    expect(message("a.b IN (:one, a.b)", { ":one": { N: "1" } })).toContain(
      "operator: IN, first operand: [a, b]",
    );
    expect(message("contains(a, a)")).toContain("operator: contains, first operand: [a]");
    expect(filter("size(a) = size(a)", { a: { S: "x" } })).toBe(true);
  });

  it("checks BETWEEN bounds given as literals", () => {
    expect(message("a BETWEEN :hi AND :lo", { ":lo": { S: "x" }, ":hi": { S: "y" } })).toContain(
      "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " +
        "lower bound operand: AttributeValue: {S:y}, upper bound operand: AttributeValue: {S:x}",
    );
    expect(message("a BETWEEN :lo AND :hi", { ":lo": { S: "y" }, ":hi": { N: "1" } })).toContain(
      "The BETWEEN operator requires same data type for lower and upper bounds; " +
        "lower bound operand: AttributeValue: {S:y}, upper bound operand: AttributeValue: {N:1}",
    );
  });
});

describe("reserved words", () => {
  it("rejects reserved words used bare, quoting them as written", () => {
    expect(errorMessage(() => filter("status = :one", item, { ":one": { N: "1" } }))).toBe(
      "ValidationException: Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status",
    );
    expect(errorMessage(() => filter("a.Data = :one", item, { ":one": { N: "1" } }))).toContain(
      "reserved keyword: Data",
    );
  });

  it("accepts them through a name placeholder, and accepts size and convert bare", () => {
    expect(filter("#s = :one", { status: { N: "1" } }, { ":one": { N: "1" } }, { "#s": "status" })).toBe(
      true,
    );
    expect(
      filter(
        "size = :one AND convert = :one",
        { size: { N: "1" }, convert: { N: "1" } },
        { ":one": { N: "1" } },
      ),
    ).toBe(true);
    expect(isReservedWord("zone")).toBe(true);
    expect(isReservedWord("recipe")).toBe(false);
  });

  it("reports a reserved word before an undefined placeholder", () => {
    const context = new ExpressionContext({ "#q": "a" });
    expect(
      errorMessage(() => parseCondition("#p = :v AND status = :v", context, "FilterExpression")),
    ).toContain("reserved keyword: status");
  });
});

describe("placeholder bookkeeping across the expressions of one request", () => {
  it("reports undefined names and values", () => {
    expect(errorMessage(() => filter("#x = :one", item, { ":one": { N: "1" } }))).toBe(
      "ValidationException: Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #x",
    );
    expect(errorMessage(() => filter("a = :nope", item, { ":one": { N: "1" } }))).toBe(
      "ValidationException: Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :nope",
    );
  });

  it("reports unused names before unused values, keys sorted", () => {
    expect(
      errorMessage(() =>
        filter("a = :one", item, { ":one": { N: "1" }, ":z": { N: "1" } }, { "#q": "a", "#p": "b" }),
      ),
    ).toBe(
      "ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {#p, #q}",
    );
    expect(errorMessage(() => filter("a = :one", item, { ":one": { N: "1" }, ":z": { N: "1" } }))).toBe(
      "ValidationException: Value provided in ExpressionAttributeValues unused in expressions: keys: {:z}",
    );
  });

  it("counts a placeholder used by any expression of the request", () => {
    const context = new ExpressionContext({ "#n": "count" }, { ":inc": { N: "1" }, ":max": { N: "10" } });
    parseUpdate("ADD #n :inc", context);
    expect(() => context.assertAllUsed()).toThrow(/unused in expressions: keys: \{:max\}/);
    parseCondition("#n < :max", context, "ConditionExpression");
    expect(() => context.assertAllUsed()).not.toThrow();
  });

  it("rejects malformed placeholder keys and empty names, and normalizes values", () => {
    expect(errorMessage(() => new ExpressionContext({ b: "y" }))).toBe(
      'ValidationException: ExpressionAttributeNames contains invalid key: Syntax error; key: "b"',
    );
    expect(errorMessage(() => new ExpressionContext({ "#a": "" }))).toBe(
      "ValidationException: ExpressionAttributeNames contains invalid value: Empty attribute name for key #a",
    );
    expect(errorMessage(() => new ExpressionContext({}, { w: { S: "a" } }))).toBe(
      'ValidationException: ExpressionAttributeValues contains invalid key: Syntax error; key: "w"',
    );
    expect(errorMessage(() => new ExpressionContext({}, { ":v": { SS: ["a", "a"] } }))).toContain(
      "ExpressionAttributeValues contains invalid value:",
    );
    expect(new ExpressionContext({}, { ":v": { N: "1.50" } }).resolveValue(":v")).toEqual({ N: "1.5" });
  });

  it("takes a name placeholder as one whole name, dots included", () => {
    const doc = { m: { M: { x: { S: "y" } } }, "m.x": { S: "z" } };
    expect(filter("#a = :v", doc, { ":v": { S: "z" } }, { "#a": "m.x" })).toBe(true);
    expect(filter("#a.#b = :v", doc, { ":v": { S: "y" } }, { "#a": "m", "#b": "x" })).toBe(true);
  });
});

describe("bounds", () => {
  const values = { ":v": { S: "x" } };

  it("limits the expression to 4 KB", () => {
    const base = "a = :v OR b = :v";
    expect(filter(base + " ".repeat(4096 - base.length), item, values)).toBe(false);
    expect(errorMessage(() => filter(base + " ".repeat(4097 - base.length), item, values))).toBe(
      "ValidationException: Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 4097",
    );
  });

  it("limits IN to 100 operands", () => {
    expect(filter(`a IN (${Array(100).fill(":v").join(",")})`, item, values)).toBe(false);
    expect(errorMessage(() => filter(`a IN (${Array(101).fill(":v").join(",")})`, item, values))).toContain(
      "The IN operator is provided with too many operands; number of operands: 101",
    );
  });

  it("limits an expression to 300 operators and functions", () => {
    expect(filter(Array(150).fill("a = :v").join(" AND "), item, values)).toBe(false);
    expect(errorMessage(() => filter(Array(151).fill("a = :v").join(" AND "), item, values))).toContain(
      "The expression contains too many operators; operator count: 301",
    );
    expect(errorMessage(() => filter(Array(151).fill("attribute_exists(a)").join(" AND "), item))).toContain(
      "operator count: 301",
    );
    // 299 operators in all; an odd number of NOTs turns the false comparison into true.
    expect(filter(`${"NOT ".repeat(298)}a = :v`, item, values)).toBe(false);
  });

  it("limits path depth to 32 and list indexes to 32-bit integers", () => {
    const deep = Array.from({ length: 33 }, (_, index) => `p${index}`).join(".");
    expect(errorMessage(() => filter(`${deep} = :v`, item, values))).toContain(
      "The document path has too many nesting levels; nesting levels: 33",
    );
    expect(filter("a[2147483647] = :v", item, values)).toBe(false);
    expect(errorMessage(() => filter("a[2147483648] = :v", item, values))).toContain(
      "List index is not within the allowable range; index: [2147483648]",
    );
  });

  it("stops runaway nesting without exhausting the stack", () => {
    const text = `${"(".repeat(5000)}a = :v${")".repeat(5000)}`;
    expect(errorMessage(() => filter(text, item, values))).toMatch(/Invalid FilterExpression: /);
  });
});
