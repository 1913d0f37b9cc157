/**
 * Turns a Query's sort key condition into one key range of the items database, so that a Query reads
 * exactly the items it returns and never scans. Within one partition key the item keys are the common
 * prefix followed by the order-preserving sort key bytes, so every operator is a contiguous range.
 */
import { validationError } from "../errors.js";
import { immediateSuccessor, keyValueBytes, prefixEnd } from "../partitions/key-encoding.js";
import type { AttributeValue, KeyAttributeType } from "../values/types.js";

export type SortRangeOperator = "=" | "<" | "<=" | ">" | ">=" | "BETWEEN" | "BEGINS_WITH";

/** A condition on the sort key: one value for every operator but BETWEEN, which takes two. */
export interface SortRange {
  op: SortRangeOperator;
  values: AttributeValue[];
}

/** The half-open key range [start, end). */
export interface KeyRange {
  start: Buffer;
  end: Buffer;
}

function operand(range: SortRange, index: number, type: KeyAttributeType): Buffer {
  const value = range.values[index];
  if (value === undefined)
    throw validationError(`Invalid KeyConditionExpression: missing operand for ${range.op}`);
  if (range.op === "BEGINS_WITH" && type === "N") {
    throw validationError(
      "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
    );
  }
  return Buffer.from(keyValueBytes(value, type));
}

function after(bytes: Uint8Array): Buffer {
  return Buffer.from(immediateSuccessor(bytes));
}

/**
 * The key range of the items under `partitionPrefix` whose sort key (of type `type`) satisfies
 * `range`; the whole partition key's items without a range. Returns `undefined` when no key can
 * match (BETWEEN with its bounds reversed).
 */
export function sortKeyRange(
  partitionPrefix: Buffer,
  type: KeyAttributeType | undefined,
  range: SortRange | undefined,
): KeyRange | undefined {
  const partitionEnd = prefixEnd(partitionPrefix);
  if (partitionEnd === undefined) throw new RangeError("a partition key prefix always has a successor");
  const all = { start: partitionPrefix, end: Buffer.from(partitionEnd) };
  if (range === undefined) return all;
  if (type === undefined)
    throw validationError("Query key condition not supported: the table has no sort key");
  const at = (index: number) => Buffer.concat([partitionPrefix, operand(range, index, type)]);
  switch (range.op) {
    case "=":
      return { start: at(0), end: after(at(0)) };
    case "<":
      return { start: all.start, end: at(0) };
    case "<=":
      return { start: all.start, end: after(at(0)) };
    case ">":
      return { start: after(at(0)), end: all.end };
    case ">=":
      return { start: at(0), end: all.end };
    case "BETWEEN": {
      const low = at(0);
      const high = after(at(1));
      return Buffer.compare(low, high) < 0 ? { start: low, end: high } : undefined;
    }
    case "BEGINS_WITH": {
      const prefix = at(0);
      const end = prefixEnd(prefix);
      return { start: prefix, end: end === undefined ? all.end : Buffer.from(end) };
    }
  }
}
