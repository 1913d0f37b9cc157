/** BatchGetItem and BatchWriteItem: many independent keys in one call, within DynamoDB's batch bounds. */
import type { TableRecord } from "../../engine/index.js";
import { validationError } from "../../errors.js";
import { applyProjection, type Projection } from "../../expressions/index.js";
import type { Item } from "../../values/types.js";
import {
  capacityMode,
  checkItem,
  checkKey,
  consumedCapacity,
  keyFingerprint,
  type OperationContext,
  readUnits,
  requireTable,
  sizeOf,
  writeUnits,
} from "../common.js";
import { expressionContext, rejectNonExpressionMembers } from "../expression-members.js";
import {
  type Input,
  invalidTableNameMessage,
  isValidTableName,
  optionalBoolean,
  requiredObject,
} from "../validation.js";
import { parseOptionalProjection, projectionMembers } from "./items.js";

/** DynamoDB's bounds: 100 keys per BatchGetItem, 25 writes per BatchWriteItem, 16 MB of response. */
export const maxBatchGetKeys = 100;
export const maxBatchWriteRequests = 25;
export const maxBatchGetResponseBytes = 16 * 1024 * 1024;

const messages = {
  noGetRequests: "BatchGetItem must have some requests set",
  noWriteRequests: "BatchWriteItem cannot have a null or no requests set",
  tooManyKeys: "Too many items requested for the BatchGetItem call",
  tooManyWrites: "Too many items requested for the BatchWriteItem call",
  noKeys: (table: string) =>
    `The list of keys in RequestItems for BatchGetItem is required: ${table} has empty list`,
  noWrites: (table: string) => `The batch write request list for a table cannot be null or empty: ${table}`,
  duplicateKeys: "Provided list of item keys contains duplicates",
} as const;

/** The tables of a batch's RequestItems, each with its requests; `none` is said when there are none. */
function requestItems(input: Input, none: string): [string, unknown][] {
  const value = input.RequestItems;
  if (value === undefined || value === null) throw validationError(none);
  const entries = Object.entries(requiredObject(input, "RequestItems"));
  if (entries.length === 0) throw validationError(none);
  for (const [name] of entries) {
    if (!isValidTableName(name)) throw validationError(invalidTableNameMessage);
  }
  return entries;
}

function asObject(value: unknown, what: string): Input {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw validationError(`${what} must be an object.`);
  }
  return value as Input;
}

interface GetRequest {
  table: TableRecord;
  keys: Item[];
  projection: Projection | undefined;
  consistent: boolean;
}

export async function batchGetItem(context: OperationContext, input: Input) {
  const requests: GetRequest[] = [];
  let totalKeys = 0;
  for (const [name, raw] of requestItems(input, messages.noGetRequests)) {
    const request = asObject(raw, `RequestItems.${name}`);
    const rawKeys = request.Keys;
    if (!Array.isArray(rawKeys) || rawKeys.length === 0) throw validationError(messages.noKeys(name));
    totalKeys += rawKeys.length;
    if (totalKeys > maxBatchGetKeys) throw validationError(messages.tooManyKeys);
    rejectNonExpressionMembers(request);
    const table = requireTable(context.engine, name);
    const expressions = expressionContext(request, projectionMembers);
    const keys = rawKeys.map((key) => checkKey(table, key, "Keys"));
    const seen = new Set(keys.map((key) => keyFingerprint(table, key)));
    if (seen.size !== keys.length) throw validationError(messages.duplicateKeys);
    const projection = parseOptionalProjection(request, expressions);
    expressions.assertAllUsed();
    requests.push({
      table,
      keys,
      projection,
      consistent: optionalBoolean(request, "ConsistentRead") ?? false,
    });
  }
  const mode = capacityMode(input);
  const responses: Record<string, Item[]> = {};
  const unprocessed: Record<string, Input> = {};
  const capacities: unknown[] = [];
  let responseBytes = 0;
  for (const { table, keys, projection, consistent } of requests) {
    const found: Item[] = [];
    let units = 0;
    const left: Item[] = [];
    for (const key of keys) {
      if (responseBytes >= maxBatchGetResponseBytes) {
        left.push(key);
        continue;
      }
      const item = context.engine.getItem(table, key);
      units += readUnits(sizeOf(item), consistent);
      responseBytes += sizeOf(item);
      if (item) found.push(projection ? applyProjection(projection, item) : item);
    }
    context.metrics.countItemsRead("BatchGetItem", table.name, found.length);
    responses[table.name] = found;
    if (left.length > 0) {
      const original = asObject((input.RequestItems as Input)[table.name], table.name);
      unprocessed[table.name] = { ...original, Keys: left };
    }
    const capacity = consumedCapacity(mode, table.name, units);
    if (capacity) capacities.push(capacity);
  }
  const output: Record<string, unknown> = { Responses: responses, UnprocessedKeys: unprocessed };
  if (mode !== "NONE") output.ConsumedCapacity = capacities;
  return output;
}

type WriteRequest =
  | { table: TableRecord; put: Item; key: Item }
  | { table: TableRecord; put?: undefined; key: Item };

export async function batchWriteItem(context: OperationContext, input: Input) {
  const writes: WriteRequest[] = [];
  const seen = new Set<string>();
  const entries = requestItems(input, messages.noWriteRequests);
  const total = entries.reduce((sum, [, list]) => sum + (Array.isArray(list) ? list.length : 0), 0);
  if (total > maxBatchWriteRequests) throw validationError(messages.tooManyWrites);
  for (const [name, list] of entries) {
    if (!Array.isArray(list) || list.length === 0) throw validationError(messages.noWrites(name));
    const table = requireTable(context.engine, name);
    for (const raw of list) {
      const request = asObject(raw, "WriteRequest");
      const hasPut = request.PutRequest !== undefined && request.PutRequest !== null;
      const hasDelete = request.DeleteRequest !== undefined && request.DeleteRequest !== null;
      if (hasPut === hasDelete) {
        throw validationError("A WriteRequest must contain exactly one of PutRequest or DeleteRequest");
      }
      let write: WriteRequest;
      if (hasPut) {
        const item = checkItem(table, asObject(request.PutRequest, "PutRequest").Item);
        const key: Item = {};
        key[table.keySchema.partitionKey.name] = item[table.keySchema.partitionKey.name]!;
        if (table.keySchema.sortKey) key[table.keySchema.sortKey.name] = item[table.keySchema.sortKey.name]!;
        write = { table, put: item, key };
      } else {
        write = { table, key: checkKey(table, asObject(request.DeleteRequest, "DeleteRequest").Key) };
      }
      const fingerprint = keyFingerprint(table, write.key);
      if (seen.has(fingerprint)) throw validationError(messages.duplicateKeys);
      seen.add(fingerprint);
      writes.push(write);
    }
  }
  const mode = capacityMode(input);
  const unitsByTable = await context.engine.transact((tx) => {
    const units = new Map<string, number>();
    for (const write of writes) {
      const old = tx.get(write.table, write.key);
      if (write.put) tx.put(write.table, write.put);
      else if (old) tx.delete(write.table, write.key);
      const size = Math.max(sizeOf(old), sizeOf(write.put));
      units.set(write.table.name, (units.get(write.table.name) ?? 0) + writeUnits(size));
    }
    return units;
  });
  const output: Record<string, unknown> = { UnprocessedItems: {} };
  if (mode !== "NONE") {
    output.ConsumedCapacity = [...unitsByTable].map(([name, units]) => consumedCapacity(mode, name, units));
  }
  return output;
}
