/**
 * What the operations share: finding a table, checking a key against the table's key schema, item
 * limits, consumed capacity as DynamoDB computes it, and the expression values of a request.
 */
import type { ItemStore, TableRecord } from "../engine/index.js";
import { resourceNotFound, validationError } from "../errors.js";
import { itemSizeBytes, typeOf, validateAttributeValue, validateItem } from "../values/index.js";
import type { AttributeValue, Item } from "../values/types.js";
import type { StorageMetrics } from "./metrics.js";
import { type Input, optionalEnum } from "./validation.js";

export interface OperationContext {
  /** The engine itself on a single node; a storage node of the cluster passes its replicated store. */
  engine: ItemStore;
  metrics: StorageMetrics;
}

/** DynamoDB's item size limit, attribute names included. */
export const maxItemBytes = 400 * 1024;
/** DynamoDB's limits on key attribute values. */
export const maxPartitionKeyBytes = 2048;
export const maxSortKeyBytes = 1024;

const keyTooLargeMessage = `Hash primary key values must be under ${maxPartitionKeyBytes} bytes, and range primary key values must be under ${maxSortKeyBytes} bytes`;
const itemTooLargeMessage = "Item size has exceeded the maximum allowed size";
const updatedItemTooLargeMessage = "Item size to update has exceeded the maximum allowed size";
/** Read and write capacity units are counted in these item-size steps. */
export const readUnitBytes = 4096;
export const writeUnitBytes = 1024;

export function requireTable(engine: ItemStore, name: string): TableRecord {
  const table = engine.getTable(name);
  if (!table) throw resourceNotFound("Requested resource not found");
  return table;
}

function keyValueBytes(value: AttributeValue): number {
  if ("S" in value) return Buffer.byteLength(value.S);
  if ("B" in value) return Buffer.from(value.B, "base64").length;
  return 0;
}

function checkKeyAttribute(
  table: TableRecord,
  name: string,
  value: AttributeValue | undefined,
  isSort: boolean,
) {
  const schema = isSort ? table.keySchema.sortKey : table.keySchema.partitionKey;
  if (!schema) return;
  if (value === undefined) {
    throw validationError(`One or more parameter values were invalid: Missing the key ${name} in the item`);
  }
  const type = typeOf(value);
  if (type !== schema.type) {
    throw validationError(
      `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${schema.type} actual: ${type}`,
    );
  }
  const bytes = keyValueBytes(value);
  if (type !== "N" && bytes === 0) {
    throw validationError(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${type === "S" ? "string" : "binary"} value. Key: ${name}`,
    );
  }
  if (bytes > (isSort ? maxSortKeyBytes : maxPartitionKeyBytes)) throw validationError(keyTooLargeMessage);
}

/** Validates a full item for a write: types, key attributes, size. Returns it with numbers normalized. */
export function checkItem(table: TableRecord, raw: unknown, member = "Item"): Item {
  if (raw === undefined || raw === null) {
    throw validationError(
      `1 validation error detected: Value null at '${member.charAt(0).toLowerCase() + member.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const item = validateItem(raw, member);
  checkKeyAttribute(table, table.keySchema.partitionKey.name, item[table.keySchema.partitionKey.name], false);
  if (table.keySchema.sortKey) {
    checkKeyAttribute(table, table.keySchema.sortKey.name, item[table.keySchema.sortKey.name], true);
  }
  checkItemSize(item);
  return item;
}

/** Rejects an item over 400 KB; `update` says it was produced by an update, which DynamoDB words apart. */
export function checkItemSize(item: Item, origin: "write" | "update" = "write"): void {
  if (itemSizeBytes(item) > maxItemBytes) {
    throw validationError(origin === "update" ? updatedItemTooLargeMessage : itemTooLargeMessage);
  }
}

/** Validates a `Key` member: exactly the table's key attributes, nothing else. */
export function checkKey(table: TableRecord, raw: unknown, member = "Key"): Item {
  if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw validationError(
      `1 validation error detected: Value null at '${member.charAt(0).toLowerCase() + member.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  const record = raw as Record<string, unknown>;
  const names = Object.keys(record);
  const expected = table.keySchema.sortKey ? 2 : 1;
  const { partitionKey, sortKey } = table.keySchema;
  if (
    names.length !== expected ||
    !names.includes(partitionKey.name) ||
    (sortKey && !names.includes(sortKey.name))
  ) {
    throw validationError("The provided key element does not match the schema");
  }
  const key: Item = {};
  for (const name of names) key[name] = validateAttributeValue(record[name], `${member}.${name}`);
  for (const name of Object.keys(key)) {
    const value = key[name]!;
    const isSort = name === sortKey?.name;
    const schema = isSort ? sortKey : partitionKey;
    if (schema && typeOf(value) !== schema.type) {
      throw validationError("The provided key element does not match the schema");
    }
    checkKeyAttribute(table, name, value, isSort);
  }
  return key;
}

/** The key attributes of an item. */
export function keyOf(table: TableRecord, item: Item): Item {
  const key: Item = {};
  const { partitionKey, sortKey } = table.keySchema;
  key[partitionKey.name] = item[partitionKey.name]!;
  if (sortKey) key[sortKey.name] = item[sortKey.name]!;
  return key;
}

export function keyFingerprint(table: TableRecord, key: Item): string {
  const { partitionKey, sortKey } = table.keySchema;
  const part = (value: AttributeValue | undefined) => JSON.stringify(value);
  return `${table.name}\u0000${part(key[partitionKey.name])}\u0000${sortKey ? part(key[sortKey.name]) : ""}`;
}

export type CapacityMode = "INDEXES" | "TOTAL" | "NONE";

export function capacityMode(input: Input): CapacityMode {
  return optionalEnum(input, "ReturnConsumedCapacity", ["INDEXES", "TOTAL", "NONE"] as const) ?? "NONE";
}

/**
 * Read units for `bytes` read in one request: 4 KB steps, halved when eventually consistent. Reading
 * one item costs at least one step even when it is missing; a Query or Scan that reads nothing costs
 * nothing (`minimumUnits` 0), as DynamoDB charges them.
 */
export function readUnits(bytes: number, consistent: boolean, minimumUnits = 1): number {
  const units = Math.max(minimumUnits, Math.ceil(bytes / readUnitBytes));
  return consistent ? units : units / 2;
}

/** Write units for one item write: 1 KB steps of the larger of the old and new item. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / writeUnitBytes));
}

export function consumedCapacity(mode: CapacityMode, table: string, units: number) {
  if (mode === "NONE") return undefined;
  if (mode === "TOTAL") return { TableName: table, CapacityUnits: units };
  return { TableName: table, CapacityUnits: units, Table: { CapacityUnits: units } };
}

/**
 * `consumedCapacity`, with `units` computed only when the request asked for capacity: item sizes cost
 * a walk over every attribute, and most requests do not ask.
 */
export function consumedCapacityOf(mode: CapacityMode, table: string, units: () => number) {
  return mode === "NONE" ? undefined : consumedCapacity(mode, table, units());
}

export function sizeOf(item: Item | undefined): number {
  return item ? itemSizeBytes(item) : 0;
}
