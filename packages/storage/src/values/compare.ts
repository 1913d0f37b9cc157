/**
 * Ordering and equality of attribute values as DynamoDB defines them: strings by their UTF-8 bytes,
 * binaries by unsigned bytes, numbers numerically; sets compare as sets, lists in order, maps by key.
 */
import { compareDecimals, compareNumbers, formatDecimal, parseDecimal } from "./number.js";
import type { AttributeType, AttributeValue } from "./types.js";

const attributeTypes: readonly AttributeType[] = ["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"];

/** The type descriptor of a wire value (`"S"`, `"N"`, …): the first type key it carries. */
export function typeOf(value: AttributeValue): AttributeType {
  for (const type of attributeTypes) {
    if (Object.hasOwn(value, type)) return type;
  }
  throw new TypeError("Attribute value carries no type key");
}

/**
 * Maps a UTF-16 code unit so that comparing mapped units orders strings by code point, which is the
 * UTF-8 byte order: surrogates (U+D800–U+DFFF, the halves of code points above U+FFFF) must sort
 * after U+E000–U+FFFF, not before them.
 */
function codePointOrderKey(codeUnit: number): number {
  if (codeUnit >= 0xd800 && codeUnit <= 0xdfff) return codeUnit + 0x2000;
  if (codeUnit >= 0xe000) return codeUnit - 0x800;
  return codeUnit;
}

/** Orders two strings by their UTF-8 bytes, as DynamoDB orders sort keys: -1, 0 or 1. */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const left = a.charCodeAt(index);
    const right = b.charCodeAt(index);
    if (left !== right) return codePointOrderKey(left) < codePointOrderKey(right) ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

/** Orders two base64 binaries by their decoded unsigned bytes: -1, 0 or 1. */
export function compareBinaries(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "base64"), Buffer.from(b, "base64"));
}

/**
 * Orders two values of the same scalar type (`S`, `N` or `B`): -1, 0 or 1. Returns `undefined` when
 * the types differ or the type has no order (`BOOL`, `NULL`, documents and sets), which is when a
 * DynamoDB comparison such as `<` evaluates to false.
 */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if ("S" in a && "S" in b) return compareStrings(a.S, b.S);
  if ("N" in a && "N" in b) return compareNumbers(a.N, b.N);
  if ("B" in a && "B" in b) return compareBinaries(a.B, b.B);
  return undefined;
}

function canonicalBinary(base64: string): string {
  return Buffer.from(base64, "base64").toString("base64");
}

function sameMembers(
  a: readonly string[],
  b: readonly string[],
  canonical: (member: string) => string,
): boolean {
  const left = new Set(a.map(canonical));
  const right = new Set(b.map(canonical));
  if (left.size !== right.size) return false;
  for (const member of left) if (!right.has(member)) return false;
  return true;
}

function canonicalNumber(text: string): string {
  return formatDecimal(parseDecimal(text));
}

function identity(text: string): string {
  return text;
}

/**
 * Deep equality as DynamoDB's `=` and `contains` see it: numbers numerically (`"1"` equals `"1.0"`),
 * binaries by bytes, sets as unordered sets, lists element by element in order, maps by key.
 * Values of different types are never equal.
 */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if ("S" in a) return "S" in b && a.S === b.S;
  if ("N" in a) return "N" in b && compareDecimals(parseDecimal(a.N), parseDecimal(b.N)) === 0;
  if ("B" in a) return "B" in b && compareBinaries(a.B, b.B) === 0;
  if ("BOOL" in a) return "BOOL" in b && a.BOOL === b.BOOL;
  if ("NULL" in a) return "NULL" in b;
  if ("L" in a) {
    return (
      "L" in b &&
      a.L.length === b.L.length &&
      a.L.every((element, index) => valuesEqual(element, b.L[index] as AttributeValue))
    );
  }
  if ("M" in a) {
    if (!("M" in b)) return false;
    const keys = Object.keys(a.M);
    if (keys.length !== Object.keys(b.M).length) return false;
    return keys.every(
      (key) => Object.hasOwn(b.M, key) && valuesEqual(a.M[key] as AttributeValue, b.M[key] as AttributeValue),
    );
  }
  if ("SS" in a) return "SS" in b && sameMembers(a.SS, b.SS, identity);
  if ("NS" in a) return "NS" in b && sameMembers(a.NS, b.NS, canonicalNumber);
  return "BS" in a && "BS" in b && sameMembers(a.BS, b.BS, canonicalBinary);
}
