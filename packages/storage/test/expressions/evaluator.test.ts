/**
 * Condition evaluation: truth tables over every operator and function, including gone attributes,
 * type mismatches, sets compared as sets and numbers compared numerically. Each row's answer was
 * checked against DynamoDB Local 1.25 with the same item.
 */
import { describe, expect, it } from "vitest";
import type { AttributeValue, Item } from "../../src/values/types.js";
import { filter } from "./helpers.js";

const bytes = (...values: number[]) => Buffer.from(values).toString("base64");

const item: Item = {
  n: { N: "5" },
  s: { S: "hello" },
  u: { S: "héllo😀" },
  e: { S: "" },
  b: { B: bytes(1, 2, 3) },
  t: { BOOL: true },
  z: { NULL: true },
  l: { L: [{ N: "1" }, { N: "2" }, { S: "x" }, { M: { k: { S: "v" } } }] },
  m: { M: { x: { S: "y" }, n: { M: { d: { N: "1" } } } } },
  ss: { SS: ["a", "b"] },
  ns: { NS: ["1", "2.5"] },
  bs: { BS: [bytes(1), bytes(2)] },
};

type Row = [expression: string, values: Record<string, AttributeValue>, expected: boolean];

const rows: Row[] = [
  // Comparisons, numbers numerically.
  ["n = :v", { ":v": { N: "5.0" } }, true],
  ["n = :v", { ":v": { N: "5.000000000000000000000000000000000001" } }, false],
  ["n <> :v", { ":v": { N: "5" } }, false],
  ["n < :v", { ":v": { N: "10" } }, true],
  ["n <= :v", { ":v": { N: "5" } }, true],
  ["n > :v", { ":v": { N: "-1e3" } }, true],
  ["n >= :v", { ":v": { N: "5.000001" } }, false],
  ["s < :v", { ":v": { S: "help" } }, true],
  ["e < :v", { ":v": { S: "a" } }, true],
  ["e = :v", { ":v": { S: "" } }, true],
  ["b < :v", { ":v": { B: bytes(1, 2, 4) } }, true],
  ["b > :v", { ":v": { B: bytes(1) } }, true],
  // Different types: never equal, never ordered, always unequal.
  ["n = :v", { ":v": { S: "5" } }, false],
  ["n <> :v", { ":v": { S: "5" } }, true],
  ["n < :v", { ":v": { S: "5" } }, false],
  ["n >= :v", { ":v": { S: "5" } }, false],
  // Missing attributes: false, except <>.
  ["gone = :v", { ":v": { S: "5" } }, false],
  ["gone <> :v", { ":v": { S: "5" } }, true],
  ["gone < :v", { ":v": { S: "5" } }, false],
  ["NOT gone < :v", { ":v": { S: "5" } }, true],
  ["gone IN (:v)", { ":v": { S: "5" } }, false],
  ["gone BETWEEN :v AND :v", { ":v": { S: "5" } }, false],
  ["m.nope = :v", { ":v": { S: "5" } }, false],
  ["l[9] <> :v", { ":v": { S: "5" } }, true],
  ["l.x = :v", { ":v": { N: "1" } }, false],
  // Documents and sets.
  ["ss = :v", { ":v": { SS: ["b", "a"] } }, true],
  ["ns = :v", { ":v": { NS: ["2.50", "1"] } }, true],
  ["bs = :v", { ":v": { BS: [bytes(2), bytes(1)] } }, true],
  ["ss <> :v", { ":v": { SS: ["a"] } }, true],
  ["l = :v", { ":v": { L: [{ N: "1.0" }, { N: "2" }, { S: "x" }, { M: { k: { S: "v" } } }] } }, true],
  ["m.n = :v", { ":v": { M: { d: { N: "1" } } } }, true],
  ["l[1] = :v AND m.x = :w", { ":v": { N: "2" }, ":w": { S: "y" } }, true],
  ["t = :v", { ":v": { BOOL: true } }, true],
  ["z = :v", { ":v": { NULL: true } }, true],
  // BETWEEN and IN.
  ["s BETWEEN :a AND :b", { ":a": { S: "h" }, ":b": { S: "i" } }, true],
  ["s BETWEEN :a AND :a", { ":a": { S: "hello" } }, true],
  ["n BETWEEN :a AND :b", { ":a": { S: "a" }, ":b": { S: "z" } }, false],
  ["n BETWEEN :a AND :b", { ":a": { N: "5" }, ":b": { N: "5.00" } }, true],
  ["n IN (:a, :b)", { ":a": { S: "5" }, ":b": { N: "5" } }, true],
  ["n IN (:a)", { ":a": { S: "5" } }, false],
  // attribute_exists / attribute_not_exists / attribute_type.
  ["attribute_exists(m.n.d)", {}, true],
  ["attribute_exists(l[3].k)", {}, true],
  ["attribute_not_exists(l[4])", {}, true],
  ["attribute_exists(s[0])", {}, false],
  ["attribute_type(n, :t)", { ":t": { S: "N" } }, true],
  ["attribute_type(ss, :t)", { ":t": { S: "SS" } }, true],
  ["attribute_type(z, :t)", { ":t": { S: "NULL" } }, true],
  ["attribute_type(gone, :t)", { ":t": { S: "NULL" } }, false],
  // begins_with on strings and binaries only.
  ["begins_with(s, :p)", { ":p": { S: "he" } }, true],
  ["begins_with(s, :p)", { ":p": { S: "" } }, true],
  ["begins_with(b, :p)", { ":p": { B: bytes(1, 2) } }, true],
  ["begins_with(b, :p)", { ":p": { B: bytes(2) } }, false],
  ["begins_with(n, :p)", { ":p": { S: "5" } }, false],
  ["begins_with(:p, s)", { ":p": { S: "hello world" } }, true],
  // contains on strings, binaries, sets and lists.
  ["contains(s, :p)", { ":p": { S: "ell" } }, true],
  ["contains(b, :p)", { ":p": { B: bytes(2) } }, true],
  ["contains(ss, :p)", { ":p": { S: "a" } }, true],
  ["contains(ns, :p)", { ":p": { N: "2.50" } }, true],
  ["contains(bs, :p)", { ":p": { B: bytes(2) } }, true],
  ["contains(l, :p)", { ":p": { N: "2" } }, true],
  ["contains(l, :p)", { ":p": { M: { k: { S: "v" } } } }, true],
  ["contains(m, :p)", { ":p": { S: "x" } }, false],
  ["contains(n, :p)", { ":p": { N: "5" } }, false],
  ["contains(ss, :p)", { ":p": { SS: ["a"] } }, false],
  ["contains(:p, s)", { ":p": { S: "ell" } }, false],
  // size(): strings count UTF-16 code units as DynamoDB Local does, binaries bytes, containers entries.
  ["size(s) = :v", { ":v": { N: "5" } }, true],
  ["size(u) = :v", { ":v": { N: "7" } }, true],
  ["size(b) = :v", { ":v": { N: "3" } }, true],
  ["size(l) = :v", { ":v": { N: "4" } }, true],
  ["size(m) = :v", { ":v": { N: "2" } }, true],
  ["size(ss) = :v", { ":v": { N: "2" } }, true],
  ["size(n) = :v", { ":v": { N: "1" } }, false],
  ["size(n) <> :v", { ":v": { N: "1" } }, true],
  ["size(gone) = :v", { ":v": { N: "0" } }, false],
  ["size(gone) <> :v", { ":v": { N: "1" } }, true],
  ["size(s) > size(l)", {}, true],
  ["size(s) BETWEEN :a AND :b", { ":a": { N: "1" }, ":b": { N: "9" } }, true],
];

describe("evaluateCondition truth table (checked against DynamoDB Local)", () => {
  it.each(rows)("%s with %j is %s", (expression, values, expected) => {
    expect(filter(expression, item, values)).toBe(expected);
  });
});

describe("evaluateCondition on an absent item", () => {
  it("sees no attributes at all", () => {
    expect(filter("attribute_not_exists(pk)", undefined)).toBe(true);
    expect(filter("attribute_exists(pk)", undefined)).toBe(false);
    expect(filter("q <> :w AND NOT q = :w", undefined, { ":w": { NS: ["7"] } })).toBe(true);
  });
});

describe("evaluateCondition with attribute names that are object built-ins", () => {
  it("does not see inherited properties as attributes", () => {
    expect(
      filter(
        "attribute_exists(#p) OR attribute_exists(#c)",
        {},
        {},
        { "#p": "__proto__", "#c": "constructor" },
      ),
    ).toBe(false);
    expect(filter("attribute_exists(m.#c)", { m: { M: {} } }, {}, { "#c": "toString" })).toBe(false);
  });
});
