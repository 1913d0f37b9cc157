/**
 * The order-preserving key encodings: for random pairs of values of one key type, the byte order of
 * their encodings must be the order `compareValues` gives (UTF-8 bytes, unsigned bytes, numeric).
 */
import { describe, expect, it } from "vitest";
import { DynamoError } from "../../src/errors.js";
import {
  encodeNumberKey,
  immediateSuccessor,
  keyValueBytes,
  prefixEnd,
} from "../../src/partitions/key-encoding.js";
import { compareValues } from "../../src/values/compare.js";
import type { AttributeValue, KeyAttributeType } from "../../src/values/types.js";
import { SeededRandom } from "./seeded-random.js";

const seeds = [1, 42, 20240601];
const pairsPerSeed = 3000;

function randomNumberText(random: SeededRandom): string {
  const sign = random.pick(["", "-", "+"]);
  // At most 37 digits, so that `derive` can append one and stay within the 38 DynamoDB stores.
  const digitCount = random.integer(1, 37);
  const decimalDigits = [..."0123456789"];
  let digits = "";
  for (let i = 0; i < digitCount; i++) digits += random.pick(decimalDigits);
  const shape = random.integer(0, 3);
  if (shape === 0) return sign + digits;
  if (shape === 1) return `${sign}0.${digits}`;
  if (shape === 2) return `${sign}${digits.slice(0, 1)}.${digits.slice(1)}`;
  // Keep the magnitude storable: 0.<digits> × 10^exponent with exponent in [-129, 126].
  return `${sign}0.${digits}E${random.integer(-125, 120)}`;
}

function randomString(random: SeededRandom): string {
  const alphabet = [
    "\u0000",
    "\u0001",
    "a",
    "b",
    "z",
    "é",
    "\u07ff",
    "\u0800",
    "ア",
    "\uffff",
    "😀",
    "𐀀",
    "\u007f",
  ];
  const length = random.integer(0, 6);
  let text = "";
  for (let i = 0; i < length; i++) text += random.pick(alphabet);
  return text;
}

function randomBinary(random: SeededRandom): string {
  const bytes = Array.from({ length: random.integer(0, 6) }, () =>
    random.pick([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]),
  );
  return Buffer.from(bytes).toString("base64");
}

function randomValue(random: SeededRandom, type: KeyAttributeType): AttributeValue {
  if (type === "N") return { N: randomNumberText(random) };
  if (type === "S") return { S: randomString(random) };
  return { B: randomBinary(random) };
}

function byteOrder(a: AttributeValue, b: AttributeValue, type: KeyAttributeType): number {
  return Math.sign(Buffer.compare(keyValueBytes(a, type), keyValueBytes(b, type))) || 0;
}

describe.each(["N", "S", "B"] as const)("keyValueBytes for %s", (type) => {
  it.each(seeds)("orders random pairs like compareValues (seed %i)", (seed) => {
    const random = new SeededRandom(seed);
    for (let i = 0; i < pairsPerSeed; i++) {
      const a = randomValue(random, type);
      // Half the pairs share a prefix, where the terminators and prefix rules are tested.
      const b = random.next() < 0.5 ? randomValue(random, type) : derive(random, a, type);
      const expected = (compareValues(a, b) ?? Number.NaN) || 0; // `|| 0` folds -0 into 0
      expect({ a, b, order: byteOrder(a, b, type) }, `seed ${seed}`).toEqual({ a, b, order: expected });
    }
  });
});

function derive(random: SeededRandom, value: AttributeValue, type: KeyAttributeType): AttributeValue {
  if ("N" in value)
    return {
      N: value.N.includes("E")
        ? value.N
        : `${value.N}${value.N.includes(".") ? "" : "."}${random.integer(0, 9)}`,
    };
  if ("S" in value) return { S: value.S + randomString(random) };
  if ("B" in value)
    return {
      B: Buffer.concat([
        Buffer.from(value.B, "base64"),
        Buffer.from(randomBinary(random), "base64"),
      ]).toString("base64"),
    };
  return randomValue(random, type);
}

describe("encodeNumberKey", () => {
  it("gives equal numbers written differently the same bytes", () => {
    const same = [
      ["1.50", "1.5", "15E-1", "+1.5", "0.15e1"],
      ["0", "-0", "0.000", "0E5"],
      ["-100", "-1E2", "-100.0"],
    ];
    for (const group of same) {
      const encodings = group.map((text) => Buffer.from(encodeNumberKey(text)).toString("hex"));
      expect(new Set(encodings).size, group.join(", ")).toBe(1);
    }
  });

  it("orders the extremes of the range", () => {
    const ascending = [
      "-9.9999999999999999999999999999999999999E+125",
      "-1",
      "-1E-130",
      "0",
      "1E-130",
      "0.1",
      "0.12",
      "0.123",
      "0.13",
      "1",
      "9.9999999999999999999999999999999999999E+125",
    ];
    for (let i = 1; i < ascending.length; i++) {
      const previous = encodeNumberKey(ascending[i - 1]!);
      const current = encodeNumberKey(ascending[i]!);
      expect(Buffer.compare(previous, current), `${ascending[i - 1]} < ${ascending[i]}`).toBe(-1);
    }
  });

  it("rejects what is not a storable number", () => {
    for (const text of ["abc", "1E+126", "1E-131", "1".repeat(39), ""]) {
      expect(() => encodeNumberKey(text), text).toThrow(DynamoError);
    }
  });
});

describe("keyValueBytes", () => {
  it("rejects a value of another type than the key's", () => {
    expect(() => keyValueBytes({ N: "1" }, "S")).toThrow(/Type mismatch/);
    expect(() => keyValueBytes({ S: "1" }, "B")).toThrow(/Type mismatch/);
    expect(() => keyValueBytes({ BOOL: true }, "N")).toThrow(/Type mismatch/);
  });
});

describe("prefix ranges", () => {
  it("prefixEnd is above every extension of the prefix and below the next prefix", () => {
    const prefix = Uint8Array.of(0x61, 0xff, 0xff);
    const end = prefixEnd(prefix)!;
    expect([...end]).toEqual([0x62]);
    expect([...prefix], "prefix itself is left unchanged").toEqual([0x61, 0xff, 0xff]);
    expect(Buffer.compare(Uint8Array.of(0x61, 0xff, 0xff, 0xff, 0xff), end)).toBe(-1);
    expect(Buffer.compare(Uint8Array.of(0x62), end)).toBe(0);
    expect(prefixEnd(Uint8Array.of(0xff, 0xff))).toBeUndefined();
    expect(prefixEnd(new Uint8Array(0))).toBeUndefined();
  });

  it("prefixEnd leaves a Buffer argument unchanged", () => {
    const prefix = Buffer.from([1, 2, 3]);
    prefixEnd(prefix);
    expect([...prefix]).toEqual([1, 2, 3]);
  });

  it("immediateSuccessor is the smallest greater byte string", () => {
    const bytes = Uint8Array.of(5, 6);
    const next = immediateSuccessor(bytes);
    expect([...next]).toEqual([5, 6, 0]);
    expect(Buffer.compare(bytes, next)).toBe(-1);
  });
});
