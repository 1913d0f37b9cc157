/**
 * Number parsing, normalization, ordering and arithmetic. The expected answers were taken from
 * DynamoDB Local 1.25 (the reference implementation) for every edge case listed here.
 */
import { describe, expect, it } from "vitest";
import { DynamoError } from "../../src/errors.js";
import {
  addNumbers,
  compareNumbers,
  formatDecimal,
  normalizeNumber,
  parseDecimal,
  subtractNumbers,
} from "../../src/values/number.js";

const notANumber = "A value provided cannot be converted into a number";
const tooPrecise = "DynamoDB only supports precision up to 38 digits";
const overflow = "Number overflow. Attempting to store a number with magnitude larger than supported range";
const underflow =
  "Number underflow. Attempting to store a number with magnitude smaller than supported range";

const smallest = `0.${"0".repeat(129)}1`;
const largestDigits = "9".repeat(38);
const largest = `${largestDigits}${"0".repeat(126 - 38)}`;

function validationMessageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DynamoError);
    expect((error as DynamoError).type).toBe("ValidationException");
    expect((error as DynamoError).status).toBe(400);
    return (error as DynamoError).message;
  }
  throw new Error("expected a ValidationException");
}

describe("normalizeNumber", () => {
  it.each([
    ["0", "0"],
    ["-0", "0"],
    ["0.0", "0"],
    ["00", "0"],
    ["-00", "0"],
    ["0.", "0"],
    [".0", "0"],
    ["-0.0e5", "0"],
    ["0E1000", "0"],
    ["0e-1000", "0"],
    ["1E+2", "100"],
    ["1E2", "100"],
    ["1e3", "1000"],
    ["1e+1", "10"],
    ["1e01", "10"],
    ["1e-0", "1"],
    ["1E+0", "1"],
    ["1.5E-2", "0.015"],
    ["1e-5", "0.00001"],
    ["123.456e2", "12345.6"],
    ["1.23E+40", "12300000000000000000000000000000000000000"],
    ["+1", "1"],
    [".5", "0.5"],
    ["5.", "5"],
    ["-.5", "-0.5"],
    ["-5.", "-5"],
    ["1.e1", "10"],
    ["00.5", "0.5"],
    ["1.50", "1.5"],
    ["-1.50", "-1.5"],
    ["100", "100"],
    ["0.000123", "0.000123"],
    ["00000000000000000000000000000000000000000000001", "1"],
    ["1.000000000000000000000000000000000000000", "1"],
    ["12345678901234567890123456789012345678", "12345678901234567890123456789012345678"],
    ["1234567890123456789012345678901234567800000", "1234567890123456789012345678901234567800000"],
    [
      "0.00000000000000000000000000000000000000000001234",
      "0.00000000000000000000000000000000000000000001234",
    ],
    ["1e-130", smallest],
    ["1.0E-130", smallest],
    ["0.1E-129", smallest],
    ["0.01E-128", smallest],
    [`0.${"0".repeat(130)}1E+1`, smallest],
    ["9.9999999999999999999999999999999999999E+125", largest],
    ["-9.9999999999999999999999999999999999999E+125", `-${largest}`],
  ])("%s → %s", (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected);
  });

  it.each([
    "",
    " ",
    "  1",
    "1 ",
    "\t1",
    "-",
    "+",
    ".",
    "-.",
    ".e1",
    "E5",
    "e1",
    "1e",
    "1e+",
    "1e2.5",
    "abc",
    "1..2",
    "1.2.3",
    "0x10",
    "Infinity",
    "NaN",
    "1_000",
    "1,5",
    "--1",
    "+-1",
    "1d",
    "1f",
    "1L",
    "1e99999999999999999999",
    "1e-99999999999999999999",
    "0e99999999999999999999",
    "1e2147483648",
  ])("rejects %j as not a number", (input) => {
    expect(validationMessageOf(() => normalizeNumber(input))).toBe(notANumber);
  });

  it("rejects non-ASCII digits, which only Java's parser would read", () => {
    expect(validationMessageOf(() => normalizeNumber("\u0661"))).toBe(notANumber);
  });

  it("rejects a value that is not a string", () => {
    expect(validationMessageOf(() => normalizeNumber(12 as unknown as string))).toBe(notANumber);
  });

  it.each([
    "123456789012345678901234567890123456789",
    "1.00000000000000000000000000000000000001",
    "12345678901234567890123456789012345678.9",
    "-123456789012345678901234567890123456789",
  ])("rejects 39 significant digits in %s", (input) => {
    expect(validationMessageOf(() => normalizeNumber(input))).toBe(tooPrecise);
  });

  it("checks precision before range, as DynamoDB does", () => {
    expect(validationMessageOf(() => normalizeNumber("1234567890123456789012345678901234567891E+200"))).toBe(
      tooPrecise,
    );
    expect(validationMessageOf(() => normalizeNumber("1234567890123456789012345678901234567891E-300"))).toBe(
      tooPrecise,
    );
  });

  it.each(["1E+126", "10E+125", "-1E+126", "1E1000", "1e2147483647"])("rejects %s as overflow", (input) => {
    expect(validationMessageOf(() => normalizeNumber(input))).toBe(overflow);
  });

  it.each(["1e-131", "-1e-131", "1E-200", `0.${"0".repeat(130)}1`])("rejects %s as underflow", (input) => {
    expect(validationMessageOf(() => normalizeNumber(input))).toBe(underflow);
  });
});

describe("parseDecimal", () => {
  it("gives one representation per value", () => {
    expect(parseDecimal("-0.0")).toEqual({ negative: false, digits: "", exponent: 0 });
    expect(parseDecimal("1")).toEqual({ negative: false, digits: "1", exponent: 1 });
    expect(parseDecimal("1.0")).toEqual(parseDecimal("1"));
    expect(parseDecimal("100")).toEqual({ negative: false, digits: "1", exponent: 3 });
    expect(parseDecimal("-0.015")).toEqual({ negative: true, digits: "15", exponent: -1 });
    expect(parseDecimal("12.5e1")).toEqual({ negative: false, digits: "125", exponent: 3 });
    expect(parseDecimal("1E-130")).toEqual({ negative: false, digits: "1", exponent: -129 });
    expect(parseDecimal("9.9999999999999999999999999999999999999E+125")).toEqual({
      negative: false,
      digits: largestDigits,
      exponent: 126,
    });
  });

  it("round-trips through formatDecimal", () => {
    for (const text of ["0", "-1.5", "0.001", "1234.5678", "1000", smallest, largest]) {
      expect(formatDecimal(parseDecimal(text))).toBe(text);
    }
  });

  it("rejects what normalizeNumber rejects", () => {
    expect(validationMessageOf(() => parseDecimal("1e-131"))).toBe(underflow);
    expect(validationMessageOf(() => parseDecimal("x"))).toBe(notANumber);
  });
});

describe("compareNumbers", () => {
  it.each([
    ["1", "1.0", 0],
    ["0", "-0", 0],
    ["1E+2", "100", 0],
    ["1", "2", -1],
    ["2", "1", 1],
    ["-1", "1", -1],
    ["1", "-1", 1],
    ["-2", "-1", -1],
    ["-1", "-2", 1],
    ["0", "0.0001", -1],
    ["0", "-0.0001", 1],
    ["-0.0001", "0", -1],
    ["9", "10", -1],
    ["0.12", "0.123", -1],
    ["0.123", "0.13", -1],
    ["-0.12", "-0.123", 1],
    ["99", "100", -1],
    ["1E-130", "2E-130", -1],
    [largest, "1E+125", 1],
    [`-${largest}`, "-1E+125", -1],
    [smallest, "0", 1],
    ["1000", "999.9999999", 1],
  ])("compareNumbers(%s, %s) = %d", (a, b, expected) => {
    expect(compareNumbers(a, b)).toBe(expected);
  });

  it("sorts a shuffled list into numeric order", () => {
    const ordered = [
      `-${largest}`,
      "-100",
      "-99.5",
      "-1",
      "-0.5",
      smallest.replace("0.", "-0."),
      "0",
      smallest,
      "0.5",
      "1",
      "1.5",
      "10",
      largest,
    ];
    const shuffled = [...ordered].reverse();
    shuffled.push(shuffled.shift() as string);
    expect(shuffled.sort(compareNumbers)).toEqual(ordered);
  });

  it("rejects text that is not a number", () => {
    expect(validationMessageOf(() => compareNumbers("1", "one"))).toBe(notANumber);
  });
});

describe("addNumbers and subtractNumbers", () => {
  it.each([
    ["1", "2", "3"],
    ["0", "0", "0"],
    ["0.1", "0.2", "0.3"],
    ["1.5", "-1.5", "0"],
    ["-1", "0.5", "-0.5"],
    ["0.5", "-1", "-0.5"],
    ["-0.5", "-0.5", "-1"],
    ["999", "1", "1000"],
    ["99999999999999999999999999999999999999", "1", "100000000000000000000000000000000000000"],
    ["1000", "-0.001", "999.999"],
    ["1E-130", "1E-130", `0.${"0".repeat(129)}2`],
    ["1E-130", "-1E-130", "0"],
    ["1E-129", "-9E-130", smallest],
    ["1E+125", "-1E+125", "0"],
    [largest, "-1E+88", `${"9".repeat(37)}8${"0".repeat(88)}`],
  ])("%s + %s = %s", (a, b, expected) => {
    expect(addNumbers(a, b)).toBe(expected);
    expect(addNumbers(b, a)).toBe(expected);
  });

  it.each([
    ["1", "2", "-1"],
    ["3", "3.0", "0"],
    ["1.5", "-1.5", "3"],
    ["-1", "0.5", "-1.5"],
    ["1000", "0.001", "999.999"],
    ["99999999999999999999999999999999999999", "1", "99999999999999999999999999999999999998"],
    ["1E-129", "9E-130", smallest],
    ["1E-130", "1E-130", "0"],
    ["0", "5", "-5"],
    ["0", "0", "0"],
    ["5", "0", "5"],
  ])("%s - %s = %s", (a, b, expected) => {
    expect(subtractNumbers(a, b)).toBe(expected);
  });

  it("rejects a sum beyond the largest magnitude", () => {
    expect(validationMessageOf(() => addNumbers(largest, "1E+88"))).toBe(overflow);
    expect(validationMessageOf(() => addNumbers(`-${largest}`, "-1E+88"))).toBe(overflow);
    expect(validationMessageOf(() => subtractNumbers(largest, "-1E+88"))).toBe(overflow);
  });

  it("rejects a sum that needs more than 38 significant digits", () => {
    expect(validationMessageOf(() => addNumbers("12345678901234567890123456789012345678", "0.1"))).toBe(
      tooPrecise,
    );
    expect(validationMessageOf(() => addNumbers("99999999999999999999999999999999999999", "0.5"))).toBe(
      tooPrecise,
    );
    expect(validationMessageOf(() => addNumbers("1E+100", "1"))).toBe(tooPrecise);
    expect(validationMessageOf(() => addNumbers("1E+125", "1E-130"))).toBe(tooPrecise);
    expect(validationMessageOf(() => addNumbers(largest, "1E+87"))).toBe(tooPrecise);
  });

  it("rejects operands that are not numbers", () => {
    expect(validationMessageOf(() => addNumbers("1", "1e"))).toBe(notANumber);
    expect(validationMessageOf(() => subtractNumbers("", "1"))).toBe(notANumber);
  });
});
