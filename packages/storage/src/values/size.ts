/**
 * Item and attribute sizes by DynamoDB's accounting, the sizes its 400 KB item limit and its
 * capacity units are computed from. Verified byte for byte against DynamoDB Local's item size limit.
 */
import { parseDecimal } from "./number.js";
import type { AttributeValue, Item } from "./types.js";

/** A list or map costs this much whatever it holds. */
const documentOverheadBytes = 3;
/** Each element of a list or map costs this much on top of its own size. */
const documentElementOverheadBytes = 1;

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function binaryBytes(base64: string): number {
  return Buffer.byteLength(base64, "base64");
}

/**
 * DynamoDB stores numbers as base-100 digit pairs aligned on the decimal point (the documentation's
 * "1 byte per two significant digits"), plus one byte of exponent and, for negatives, one terminator
 * byte. So 12 takes one pair, 1.2 takes two (01.20), and zero takes one byte in all.
 */
export function numberSizeBytes(text: string): number {
  const { negative, digits, exponent } = parseDecimal(text);
  if (digits === "") return 1;
  // Digits before the first pair boundary: one when the integer part's digit count is odd.
  const leadingPadding = ((exponent % 2) + 2) % 2;
  const pairs = Math.ceil((leadingPadding + digits.length) / 2);
  return 1 + pairs + (negative ? 1 : 0);
}

/** The size of a value alone, without the name it is stored under. */
export function valueSizeBytes(value: AttributeValue): number {
  if ("S" in value) return utf8Bytes(value.S);
  if ("N" in value) return numberSizeBytes(value.N);
  if ("B" in value) return binaryBytes(value.B);
  if ("BOOL" in value || "NULL" in value) return 1;
  if ("SS" in value) return value.SS.reduce((sum, member) => sum + utf8Bytes(member), 0);
  if ("NS" in value) return value.NS.reduce((sum, member) => sum + numberSizeBytes(member), 0);
  if ("BS" in value) return value.BS.reduce((sum, member) => sum + binaryBytes(member), 0);
  if ("L" in value) {
    return value.L.reduce(
      (sum, element) => sum + documentElementOverheadBytes + valueSizeBytes(element),
      documentOverheadBytes,
    );
  }
  return Object.entries(value.M).reduce(
    (sum, [name, element]) => sum + documentElementOverheadBytes + attributeSizeBytes(name, element),
    documentOverheadBytes,
  );
}

/** The size of one attribute: the UTF-8 bytes of its name plus the size of its value. */
export function attributeSizeBytes(name: string, value: AttributeValue): number {
  return utf8Bytes(name) + valueSizeBytes(value);
}

/** The size of an item: the sum of its attributes' sizes. The 400 KB limit applies to this number. */
export function itemSizeBytes(item: Item): number {
  let total = 0;
  // for…in with an own-property check rather than Object.entries: no array per attribute, and this
  // runs for every item a request writes or reads.
  for (const name in item) {
    if (Object.hasOwn(item, name)) total += attributeSizeBytes(name, item[name]!);
  }
  return total;
}
