/** Ordering and equality of attribute values: UTF-8 string order, unsigned bytes, numeric order, sets. */
import { describe, expect, it } from "vitest";
import { compareStrings, compareValues, typeOf, valuesEqual } from "../../src/values/compare.js";
import type { AttributeValue } from "../../src/values/types.js";

function base64(...bytes: number[]): string {
  return Buffer.from(bytes).toString("base64");
}

describe("compareValues on strings", () => {
  it("orders by UTF-8 bytes, not UTF-16 code units", () => {
    // U+FFFF is EF BF BF in UTF-8 and U+1F600 is F0 9F 98 80, but in UTF-16 the emoji starts with 0xD83D < 0xFFFF.
    expect(compareValues({ S: "\uFFFF" }, { S: "😀" })).toBe(-1);
    expect(compareValues({ S: "😀" }, { S: "\uFFFF" })).toBe(1);
    expect(compareValues({ S: "\uE000" }, { S: "𐀀" })).toBe(-1);
    expect(compareValues({ S: "\uD7FF" }, { S: "𐀀" })).toBe(-1);
  });

  it("agrees with a byte comparison of the UTF-8 encoding on mixed strings", () => {
    const strings = [
      "",
      "a",
      "ab",
      "b",
      "Z",
      "é",
      "ア",
      "\uFFFD",
      "\uFFFF",
      "😀",
      "😀a",
      "𐀀",
      "~",
      "\u007F",
      "\u0080",
    ];
    for (const a of strings) {
      for (const b of strings) {
        expect(compareStrings(a, b), `${a} vs ${b}`).toBe(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      }
    }
  });

  it("puts a prefix first and treats equal strings as equal", () => {
    expect(compareValues({ S: "abc" }, { S: "abcd" })).toBe(-1);
    expect(compareValues({ S: "abcd" }, { S: "abc" })).toBe(1);
    expect(compareValues({ S: "abc" }, { S: "abc" })).toBe(0);
    expect(compareValues({ S: "B" }, { S: "a" })).toBe(-1);
  });
});

describe("compareValues on numbers and binaries", () => {
  it("orders numbers numerically, not as text", () => {
    expect(compareValues({ N: "9" }, { N: "10" })).toBe(-1);
    expect(compareValues({ N: "-10" }, { N: "-9" })).toBe(-1);
    expect(compareValues({ N: "1.0" }, { N: "1" })).toBe(0);
  });

  it("orders binaries by unsigned bytes", () => {
    expect(compareValues({ B: base64(0x7f) }, { B: base64(0x80) })).toBe(-1);
    expect(compareValues({ B: base64(0xff) }, { B: base64(0x00, 0x00) })).toBe(1);
    expect(compareValues({ B: base64(1, 2) }, { B: base64(1, 2, 0) })).toBe(-1);
    expect(compareValues({ B: base64(1, 2, 3) }, { B: base64(1, 2, 3) })).toBe(0);
  });

  it("has no order across types or for unordered types", () => {
    expect(compareValues({ S: "1" }, { N: "1" })).toBeUndefined();
    expect(compareValues({ N: "1" }, { B: base64(1) })).toBeUndefined();
    expect(compareValues({ BOOL: false }, { BOOL: true })).toBeUndefined();
    expect(compareValues({ NULL: true }, { NULL: true })).toBeUndefined();
    expect(compareValues({ L: [] }, { L: [] })).toBeUndefined();
    expect(compareValues({ SS: ["a"] }, { SS: ["a"] })).toBeUndefined();
  });
});

describe("valuesEqual", () => {
  const equalPairs: Array<[AttributeValue, AttributeValue]> = [
    [{ S: "a" }, { S: "a" }],
    [{ S: "" }, { S: "" }],
    [{ N: "1" }, { N: "1.0" }],
    [{ N: "-0" }, { N: "0" }],
    [{ N: "1E+2" }, { N: "100" }],
    [{ B: base64(1, 2) }, { B: base64(1, 2) }],
    [{ BOOL: true }, { BOOL: true }],
    [{ NULL: true }, { NULL: true }],
    [{ L: [] }, { L: [] }],
    [{ L: [{ N: "1" }, { S: "x" }] }, { L: [{ N: "1.00" }, { S: "x" }] }],
    [{ M: {} }, { M: {} }],
    [
      { M: { a: { N: "1" }, b: { L: [{ NULL: true }] } } },
      { M: { b: { L: [{ NULL: true }] }, a: { N: "1" } } },
    ],
    [{ SS: ["a", "b", "c"] }, { SS: ["c", "a", "b"] }],
    [{ NS: ["1", "2.5"] }, { NS: ["2.50", "1.0"] }],
    [{ BS: [base64(1), base64(2)] }, { BS: [base64(2), base64(1)] }],
  ];
  it.each(equalPairs)("%j equals %j", (a, b) => {
    expect(valuesEqual(a, b)).toBe(true);
    expect(valuesEqual(b, a)).toBe(true);
  });

  const unequalPairs: Array<[AttributeValue, AttributeValue]> = [
    [{ S: "a" }, { S: "A" }],
    [{ S: "1" }, { N: "1" }],
    [{ N: "1" }, { N: "1.0000001" }],
    [{ B: base64(1) }, { B: base64(1, 0) }],
    [{ BOOL: true }, { BOOL: false }],
    [{ NULL: true }, { BOOL: false }],
    [{ L: [{ N: "1" }, { N: "2" }] }, { L: [{ N: "2" }, { N: "1" }] }],
    [{ L: [{ N: "1" }] }, { L: [{ N: "1" }, { N: "1" }] }],
    [{ L: [] }, { M: {} }],
    [{ M: { a: { N: "1" } } }, { M: { b: { N: "1" } } }],
    [{ M: { a: { N: "1" } } }, { M: { a: { N: "1" }, b: { N: "1" } } }],
    [{ M: { a: { N: "1" } } }, { M: { a: { S: "1" } } }],
    [{ SS: ["a", "b"] }, { SS: ["a"] }],
    [{ SS: ["a", "b"] }, { SS: ["a", "c"] }],
    [{ SS: ["1"] }, { NS: ["1"] }],
    [{ NS: ["1", "2"] }, { NS: ["1", "3"] }],
    [{ BS: [base64(1)] }, { BS: [base64(2)] }],
    [{ L: [{ S: "a" }] }, { SS: ["a"] }],
  ];
  it.each(unequalPairs)("%j differs from %j", (a, b) => {
    expect(valuesEqual(a, b)).toBe(false);
    expect(valuesEqual(b, a)).toBe(false);
  });

  it("does not see inherited keys of a map as members", () => {
    expect(valuesEqual({ M: { toString: { N: "1" } } }, { M: { valueOf: { N: "1" } } })).toBe(false);
  });
});

describe("typeOf", () => {
  it.each([
    [{ S: "" }, "S"],
    [{ N: "1" }, "N"],
    [{ B: "" }, "B"],
    [{ BOOL: false }, "BOOL"],
    [{ NULL: true }, "NULL"],
    [{ L: [] }, "L"],
    [{ M: {} }, "M"],
    [{ SS: ["a"] }, "SS"],
    [{ NS: ["1"] }, "NS"],
    [{ BS: ["AA=="] }, "BS"],
  ] as Array<[AttributeValue, string]>)("%j is %s", (value, type) => {
    expect(typeOf(value)).toBe(type);
  });

  it("throws for an object without a type key", () => {
    expect(() => typeOf({} as AttributeValue)).toThrow(TypeError);
  });
});
