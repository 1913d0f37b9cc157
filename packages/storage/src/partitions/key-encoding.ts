/**
 * Order-preserving binary encodings of key attribute values: for two values of the same key type,
 * comparing their encodings byte by byte (shorter first on a common prefix) gives the order DynamoDB
 * sorts them in — strings and binaries by their bytes, numbers numerically. Item keys end with the
 * sort key's encoding, so a Query's sort key condition becomes a plain LMDB key range.
 *
 * Strings and binaries need no escaping because a sort key is always the last part of an item key;
 * numbers are sign / exponent / digits, each part arranged so that byte order is numeric order.
 */
import { validationError } from "../errors.js";
import { parseDecimal } from "../values/number.js";
import type { AttributeValue, KeyAttributeType } from "../values/types.js";

const negativeTag = 0x01;
const zeroTag = 0x02;
const positiveTag = 0x03;
/** Exponents are stored biased as unsigned 16-bit big-endian; DynamoDB exponents fit in [-129, 126]. */
const exponentBias = 0x8000;
/** Ends the digits of a positive number: lower than any digit, so 0.12 sorts before 0.123. */
const positiveDigitsEnd = 0x00;
/** Ends the digits of a negative number: higher than any inverted digit, so -0.12 sorts after -0.123. */
const negativeDigitsEnd = 0xff;
const asciiZero = 0x30;

/**
 * Encodes DynamoDB number text so that byte order is numeric order. Equal numbers written differently
 * (`"1.50"`, `"1.5"`, `"15E-1"`) encode identically. Layout: a sign tag (negative < zero < positive),
 * then for non-zero numbers the exponent of 0.<digits> × 10^exponent and the digits, both inverted for
 * negative numbers because a larger magnitude is then a smaller number.
 */
export function encodeNumberKey(text: string): Uint8Array {
  const { negative, digits, exponent } = parseDecimal(text);
  if (digits === "") return Uint8Array.of(zeroTag);
  const bytes = new Uint8Array(1 + 2 + digits.length + 1);
  const biased = exponent + exponentBias;
  const invert = negative ? 0xff : 0x00;
  bytes[0] = negative ? negativeTag : positiveTag;
  bytes[1] = (biased >>> 8) ^ invert;
  bytes[2] = (biased & 0xff) ^ invert;
  for (let i = 0; i < digits.length; i++) bytes[3 + i] = (digits.charCodeAt(i) - asciiZero + 1) ^ invert;
  bytes[bytes.length - 1] = negative ? negativeDigitsEnd : positiveDigitsEnd;
  return bytes;
}

function mismatch(type: KeyAttributeType, value: AttributeValue): Error {
  return validationError(
    `One or more parameter values were invalid: Type mismatch for key, expected: ${type} actual: ${Object.keys(value)[0] ?? "none"}`,
  );
}

/**
 * The canonical, order-preserving bytes of a key attribute value of type `type`: UTF-8 for S, the
 * decoded bytes for B, `encodeNumberKey` for N. Throws `ValidationException` when the value has
 * another type.
 */
export function keyValueBytes(value: AttributeValue, type: KeyAttributeType): Uint8Array {
  switch (type) {
    case "S":
      if (!("S" in value)) throw mismatch(type, value);
      return Buffer.from(value.S, "utf8");
    case "B":
      if (!("B" in value)) throw mismatch(type, value);
      return Buffer.from(value.B, "base64");
    case "N":
      if (!("N" in value)) throw mismatch(type, value);
      return encodeNumberKey(value.N);
  }
}

/**
 * The smallest byte string greater than every byte string that starts with `prefix`, or `undefined`
 * when there is none (the prefix is empty or all 0xFF). `[prefix, prefixEnd(prefix))` is the key range
 * of `begins_with`.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  let last = prefix.length - 1;
  while (last >= 0 && prefix[last] === 0xff) last--;
  if (last < 0) return undefined;
  // A copy: Buffer's slice() would share memory and the increment would change `prefix` itself.
  const end = new Uint8Array(prefix.subarray(0, last + 1));
  end[last]!++;
  return end;
}

/** The smallest byte string greater than `bytes`: an exclusive end that includes `bytes` itself. */
export function immediateSuccessor(bytes: Uint8Array): Uint8Array {
  const successor = new Uint8Array(bytes.length + 1);
  successor.set(bytes);
  return successor;
}
