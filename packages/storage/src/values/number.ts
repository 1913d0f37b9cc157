/**
 * DynamoDB numbers: arbitrary-precision decimals parsed, normalized, compared and added exactly,
 * never through JavaScript floats. The rules (and the error messages) are DynamoDB's: at most 38
 * significant digits, magnitudes from 1E-130 up to 9.9999999999999999999999999999999999999E+125,
 * exponent notation accepted on input, plain notation without exponent on output.
 */
import { validationError } from "../errors.js";

/**
 * A decimal in sign / digits / exponent form: value = (negative ? -1 : 1) × 0.<digits> × 10^exponent.
 * `digits` has no leading or trailing zeros, so every number has exactly one representation; zero is
 * `{ negative: false, digits: "", exponent: 0 }`.
 */
export interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

/** Most significant digits a DynamoDB number may carry. */
export const maxSignificantDigits = 38;
/** Largest `Decimal.exponent` of a storable number: 9.99…E+125 is 0.999… × 10^126. */
export const maxDecimalExponent = 126;
/** Smallest `Decimal.exponent` of a storable non-zero number: 1E-130 is 0.1 × 10^-129. */
export const minDecimalExponent = -129;

/** DynamoDB parses numbers as Java `BigDecimal`, whose exponent is a 32-bit int. */
const maxExponentMagnitude = 2_147_483_647;

const numberSyntax = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

const zero: Decimal = { negative: false, digits: "", exponent: 0 };

function notANumber(): Error {
  return validationError("A value provided cannot be converted into a number");
}

function tooPrecise(): Error {
  return validationError("DynamoDB only supports precision up to 38 digits");
}

function overflow(): Error {
  return validationError(
    "Number overflow. Attempting to store a number with magnitude larger than supported range",
  );
}

function underflow(): Error {
  return validationError(
    "Number underflow. Attempting to store a number with magnitude smaller than supported range",
  );
}

/** Builds the unique `Decimal` for ± <coefficient> × 10^<exponentOfLastDigit>. */
function decimalFromCoefficient(
  negative: boolean,
  coefficient: string,
  exponentOfLastDigit: number,
): Decimal {
  const withoutLeading = coefficient.replace(/^0+/, "");
  if (withoutLeading === "") return zero;
  const digits = withoutLeading.replace(/0+$/, "");
  return { negative, digits, exponent: exponentOfLastDigit + withoutLeading.length };
}

/** Parses the syntax only: no precision or range check. */
function parseUnchecked(text: string): Decimal {
  if (typeof text !== "string") throw notANumber();
  const match = numberSyntax.exec(text);
  if (match === null) throw notANumber();
  const [, sign, integerPart, fractionAfterInteger, fractionOnly, exponentText] = match;
  const fraction = fractionAfterInteger ?? fractionOnly ?? "";
  let exponent = 0;
  if (exponentText !== undefined) {
    exponent = Number(exponentText);
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > maxExponentMagnitude) throw notANumber();
  }
  return decimalFromCoefficient(sign === "-", (integerPart ?? "") + fraction, exponent - fraction.length);
}

/** Throws DynamoDB's error when the decimal cannot be stored; precision is checked before range, as DynamoDB does. */
function checkStorable(decimal: Decimal): Decimal {
  if (decimal.digits === "") return decimal;
  if (decimal.digits.length > maxSignificantDigits) throw tooPrecise();
  if (decimal.exponent > maxDecimalExponent) throw overflow();
  if (decimal.exponent < minDecimalExponent) throw underflow();
  return decimal;
}

/**
 * Parses DynamoDB number text (`"-1.50"`, `"1e3"`, `".5"`, `"+7"`) into its unique `Decimal`.
 * Throws `ValidationException` for bad syntax, more than 38 significant digits, or a magnitude
 * outside the storable range, exactly like `normalizeNumber`.
 */
export function parseDecimal(text: string): Decimal {
  return checkStorable(parseUnchecked(text));
}

/** Plain notation, never an exponent: DynamoDB answers `"100"` for `"1E+2"` and `"0.015"` for `"1.5E-2"`. */
export function formatDecimal(decimal: Decimal): string {
  const { digits, exponent } = decimal;
  if (digits === "") return "0";
  let magnitude: string;
  if (exponent <= 0) magnitude = `0.${"0".repeat(-exponent)}${digits}`;
  else if (exponent < digits.length) magnitude = `${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  else magnitude = digits + "0".repeat(exponent - digits.length);
  return decimal.negative ? `-${magnitude}` : magnitude;
}

/**
 * The canonical DynamoDB text of a number: `"1.50"` → `"1.5"`, `"-0"` → `"0"`, `"1E+2"` → `"100"`.
 * Throws `ValidationException` with DynamoDB's message for bad syntax, precision or range.
 */
export function normalizeNumber(text: string): string {
  return formatDecimal(parseDecimal(text));
}

function compareMagnitudes(a: Decimal, b: Decimal): number {
  if (a.digits === "" || b.digits === "") return Math.sign(a.digits.length - b.digits.length);
  if (a.exponent !== b.exponent) return a.exponent < b.exponent ? -1 : 1;
  // Same exponent: digit strings without trailing zeros order lexicographically (0.12 < 0.123 < 0.13).
  if (a.digits === b.digits) return 0;
  return a.digits < b.digits ? -1 : 1;
}

/** Numeric order of two `Decimal`s: -1, 0 or 1. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitudeOrder = compareMagnitudes(a, b);
  return a.negative ? -magnitudeOrder : magnitudeOrder;
}

/** Numeric order of two number texts: -1, 0 or 1 (`"1"` and `"1.0"` are equal). */
export function compareNumbers(a: string, b: string): number {
  return compareDecimals(parseDecimal(a), parseDecimal(b));
}

/** The exact integer that is `decimal` × 10^-scale; `scale` is at most the exponent of its last digit. */
function scaledInteger(decimal: Decimal, scale: number): bigint {
  if (decimal.digits === "") return 0n;
  const exponentOfLastDigit = decimal.exponent - decimal.digits.length;
  const magnitude = BigInt(decimal.digits + "0".repeat(exponentOfLastDigit - scale));
  return decimal.negative ? -magnitude : magnitude;
}

function exponentOfLastDigit(decimal: Decimal): number {
  return decimal.digits === "" ? Number.POSITIVE_INFINITY : decimal.exponent - decimal.digits.length;
}

function sumOfDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.min(exponentOfLastDigit(a), exponentOfLastDigit(b));
  if (scale === Number.POSITIVE_INFINITY) return zero;
  const sum = scaledInteger(a, scale) + scaledInteger(b, scale);
  const negative = sum < 0n;
  return decimalFromCoefficient(negative, (negative ? -sum : sum).toString(), scale);
}

/**
 * `a + b`, exact, in canonical text. The result must itself be storable: DynamoDB rejects it with
 * the precision, overflow or underflow `ValidationException` otherwise.
 */
export function addNumbers(a: string, b: string): string {
  return formatDecimal(checkStorable(sumOfDecimals(parseDecimal(a), parseDecimal(b))));
}

/** `a - b`, exact, in canonical text; the result is checked like `addNumbers`. */
export function subtractNumbers(a: string, b: string): string {
  const subtrahend = parseDecimal(b);
  const negated = subtrahend.digits === "" ? subtrahend : { ...subtrahend, negative: !subtrahend.negative };
  return formatDecimal(checkStorable(sumOfDecimals(parseDecimal(a), negated)));
}
