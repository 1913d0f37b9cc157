/**
 * Item sizes. Every expected size below was measured on DynamoDB Local 1.25 by finding the largest
 * item it accepts under the 400 KB limit with the value beside a padding string.
 */
import { describe, expect, it } from "vitest";
import { attributeSizeBytes, itemSizeBytes, numberSizeBytes, valueSizeBytes } from "../../src/values/size.js";
import type { AttributeValue } from "../../src/values/types.js";

describe("numberSizeBytes", () => {
  it.each([
    ["0", 1],
    ["-0.0", 1],
    ["1", 2],
    ["12", 2],
    ["10", 2],
    ["100", 2],
    ["123", 3],
    ["1.2", 3],
    ["1.5", 3],
    ["11.5", 3],
    ["0.1", 2],
    ["0.01", 2],
    ["-1", 3],
    ["-12", 3],
    ["9".repeat(38), 20],
    ["1.0000", 2],
    ["0.000120", 3],
    ["-0.5", 3],
    ["123.45", 4],
    ["1E+125", 2],
    ["1E-130", 2],
    ["-1E-130", 3],
  ])("%s takes %d bytes", (text, expected) => {
    expect(numberSizeBytes(text)).toBe(expected);
  });
});

describe("valueSizeBytes", () => {
  const cases: Array<[string, AttributeValue, number]> = [
    ["an ASCII string", { S: "abc" }, 3],
    ["a string by UTF-8 bytes, not characters", { S: "é" }, 2],
    ["an astral character", { S: "😀" }, 4],
    ["an empty string", { S: "" }, 0],
    ["a binary by raw bytes, not base64 length", { B: "AQID" }, 3],
    ["an empty binary", { B: "" }, 0],
    ["a boolean", { BOOL: true }, 1],
    ["a null", { NULL: true }, 1],
    ["an empty list", { L: [] }, 3],
    ["a list of one", { L: [{ S: "a" }] }, 5],
    ["a list of two", { L: [{ S: "a" }, { S: "b" }] }, 7],
    ["a list in a list", { L: [{ L: [] }] }, 7],
    ["an empty map", { M: {} }, 3],
    ["a map, names included", { M: { k: { S: "a" } } }, 6],
    ["a map of two", { M: { kk: { S: "a" }, j: { N: "1" } } }, 11],
    ["a string set", { SS: ["a", "bb"] }, 3],
    ["a number set", { NS: ["1", "12"] }, 4],
    ["a number set with a negative", { NS: ["-1", "0"] }, 4],
    ["a binary set", { BS: ["AQ==", "AQI="] }, 3],
  ];
  it.each(cases)("sizes %s", (_description, value, expected) => {
    expect(valueSizeBytes(value)).toBe(expected);
  });
});

describe("attributeSizeBytes and itemSizeBytes", () => {
  it("counts the UTF-8 bytes of attribute names", () => {
    expect(attributeSizeBytes("name", { S: "abc" })).toBe(7);
    expect(attributeSizeBytes("名前", { NULL: true })).toBe(7);
  });

  it("sums the attributes of an item", () => {
    expect(itemSizeBytes({})).toBe(0);
    expect(itemSizeBytes({ pk: { S: "x" }, count: { N: "12" }, tags: { SS: ["a", "b"] } })).toBe(3 + 7 + 6);
  });

  it("measures a maximal item the way DynamoDB's 400 KB limit does", () => {
    const padding = "a".repeat(409_600 - 4 - 1 - 3);
    expect(itemSizeBytes({ pk: { S: "x" }, p: { S: padding }, v: { S: "abc" } })).toBe(409_600);
  });
});
