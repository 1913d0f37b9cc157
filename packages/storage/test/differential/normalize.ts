/**
 * Turns a response or an error into a canonical, comparable form: SDK metadata and request ids
 * dropped, sets sorted (they are unordered), numbers in one spelling, binaries as base64, map keys in
 * sorted order, Scan items sorted (scan order legitimately differs between implementations), capacity
 * kept only when it was asked for, and errors reduced to their name, their message where it is
 * stable, and their structured details (cancellation reason codes, returned items).
 */
import type { Operation } from "./operations.js";

export type Outcome = { ok: unknown } | { error: Record<string, unknown> };

/**
 * Messages in which DynamoDB Local deviates from DynamoDB; for these only the error name is compared.
 * Each pattern matches DynamoDB Local's wording.
 */
const unstableMessages: readonly RegExp[] = [
  /^One of the required keys was not given a value$/, // DynamoDB: "…Missing the key sk in the item"
  /^One or more parameter values were invalid: Type mismatch for key$/, // DynamoDB names the key and types
  /^The number of conditions on the keys is invalid$/, // DynamoDB: "The provided key element does not match the schema"
  /^Cannot do operations on a non-existent table$/, // DynamoDB: "Requested resource not found"
  /^Query condition missed key schema element$/, // DynamoDB appends ": <key name>"
  /^DynamoDB only supports precision up to 38 digits$/, // wording differs between versions of DynamoDB
];

/**
 * One spelling per number: DynamoDB answers every number in its canonical form, but DynamoDB Local
 * echoes the text it was sent for numbers inside lists and maps and for numbers an UpdateItem wrote
 * ("1E-130", "1.50"). Spelled as digits without leading or trailing zeros and a power of ten.
 */
function canonicalNumber(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null) return text;
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  const digits = `${whole}${fraction}`;
  const leading = digits.length - digits.replace(/^0+/, "").length;
  const significant = digits.replace(/^0+/, "").replace(/0+$/, "");
  if (significant === "") return "0";
  const power = Number(exponent) + whole.length - leading - significant.length;
  return `${sign === "-" ? "-" : ""}${significant}e${power}`;
}

function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $binary: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .map(([key, member]): [string, unknown] => {
      if (key === "N" && typeof member === "string") return [key, canonicalNumber(member)];
      if (key === "NS") {
        const members = (member as string[]).map((element) => canonicalNumber(element));
        return [key, members.sort()];
      }
      if (key === "SS" || key === "BS") {
        const members = (member as unknown[]).map((element) => JSON.stringify(canonical(element)));
        return [key, members.sort()];
      }
      return [key, canonical(member)];
    })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

export function normalizeResponse(operation: Operation, response: Record<string, unknown>): Outcome {
  const { $metadata: _metadata, ...rest } = response;
  const body: Record<string, unknown> = { ...rest };
  // DynamoDB Local reports consumed capacity for some writes that did not ask for it.
  if (operation.input.ReturnConsumedCapacity === undefined) delete body.ConsumedCapacity;
  if (body.UnprocessedItems !== undefined && Object.keys(body.UnprocessedItems as object).length === 0) {
    delete body.UnprocessedItems;
  }
  const normalized = canonical(body) as Record<string, unknown>;
  if (operation.name === "Scan" && Array.isArray(normalized.Items)) {
    normalized.Items = [...normalized.Items].sort((a, b) => {
      const left = JSON.stringify(a);
      const right = JSON.stringify(b);
      return left < right ? -1 : left > right ? 1 : 0;
    });
  }
  return { ok: normalized };
}

/**
 * Errors that depend on the stored items (not on the request alone). Inside a transaction DynamoDB
 * reports them as a cancellation with reason code ValidationError; DynamoDB Local throws them as a
 * plain ValidationException.
 */
const itemDependentValidation: readonly RegExp[] = [
  /^An operand in the update expression has an incorrect data type$/,
  /^The provided expression refers to an attribute that does not exist in the item$/,
  /^The document path provided in the update expression is invalid for update$/,
  /^Number overflow/,
  /^DynamoDB only supports precision up to 38 digits$/,
  /^Item size to update has exceeded the maximum allowed size$/,
];

export function normalizeError(operation: Operation, error: unknown): Outcome {
  const failure = error as Record<string, unknown> & Error;
  const message = String(failure.message ?? "");
  if (operation.name === "TransactWriteItems" && isTransactionValidationFailure(failure, message)) {
    return { error: { name: "ValidationException", itemDependent: true } };
  }
  const normalized: Record<string, unknown> = { name: failure.name };
  if (!unstableMessages.some((pattern) => pattern.test(message))) normalized.message = message;
  if (failure.Item !== undefined) normalized.Item = canonical(failure.Item);
  if (Array.isArray(failure.CancellationReasons)) {
    // Reason messages differ in punctuation even within DynamoDB Local; codes and items are the contract.
    normalized.CancellationReasons = (failure.CancellationReasons as Array<Record<string, unknown>>).map(
      (reason) => canonical({ Code: reason.Code, Item: reason.Item }),
    );
  }
  return { error: normalized };
}

function isTransactionValidationFailure(failure: Record<string, unknown> & Error, message: string): boolean {
  if (failure.name === "ValidationException")
    return itemDependentValidation.some((pattern) => pattern.test(message));
  if (failure.name !== "TransactionCanceledException" || !Array.isArray(failure.CancellationReasons))
    return false;
  return (failure.CancellationReasons as Array<{ Code?: string }>).some(
    (reason) => reason.Code === "ValidationError",
  );
}
