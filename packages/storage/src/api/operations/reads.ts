/**
 * The reads: GetItem, and Query and Scan, ordered reads of a partition key's items or of a whole table
 * (in segments).
 */
import type { KeySchema, TableRecord } from "../../engine/index.js";
import { validationError } from "../../errors.js";
import {
  applyProjection,
  type Condition,
  type ExpressionContext,
  evaluateCondition,
  type Projection,
  parseCondition,
  parseKeyCondition,
  type SortKeyCondition,
} from "../../expressions/index.js";
import { itemSizeBytes, valuesEqual } from "../../values/index.js";
import type { AttributeValue, Item } from "../../values/types.js";
import {
  capacityMode,
  checkKey,
  consumedCapacity,
  consumedCapacityOf,
  keyOf,
  type OperationContext,
  readUnits,
  requireTable,
  sizeOf,
} from "../common.js";
import {
  type ExpressionMembersOf,
  expressionContext,
  rejectNonExpressionMembers,
} from "../expression-members.js";
import { rejectKeyAttributesInFilter } from "../query-filter.js";
import { SerializedOutput } from "../serialized-output.js";
import {
  constraint,
  type Input,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalLimit,
  optionalString,
  tableName,
} from "../validation.js";
import { parseOptionalProjection, projectionMembers } from "./items.js";

/** DynamoDB stops a Query or Scan page once it has read this many bytes of items. */
export const maxPageBytes = 1024 * 1024;
/** The largest TotalSegments DynamoDB accepts. */
export const maxTotalSegments = 1_000_000;
/** A Query or Scan that reads no item consumes no capacity, unlike a GetItem of a missing item. */
const emptyReadUnits = 0;

/**
 * GetItem. Synchronous: a read waits for nothing, and the server answers it in the tick its request
 * ends. Without a projection or ConsumedCapacity (which needs the item's size), the answer carries
 * the item's JSON text exactly as the store keeps it.
 */
export function getItem(context: OperationContext, input: Input) {
  rejectNonExpressionMembers(input);
  const table = requireTable(context.engine, tableName(input));
  const expressions = expressionContext(input, projectionMembers);
  const key = checkKey(table, input.Key);
  const projection = parseOptionalProjection(input, expressions);
  expressions.assertAllUsed();
  const consistent = optionalBoolean(input, "ConsistentRead") ?? false;
  const mode = capacityMode(input);
  const { engine } = context;
  if (projection === undefined && mode === "NONE" && engine.getItemJson !== undefined) {
    const json = engine.getItemJson(table, key);
    context.metrics.countItemsRead("GetItem", table.name, json === undefined ? 0 : 1);
    return new SerializedOutput(json === undefined ? "{}" : `{"Item":${json}}`);
  }
  const item = engine.getItem(table, key);
  context.metrics.countItemsRead("GetItem", table.name, item ? 1 : 0);
  const output: Record<string, unknown> = {};
  if (item) output.Item = projection ? applyProjection(projection, item) : item;
  const capacity = consumedCapacityOf(mode, table.name, () => readUnits(sizeOf(item), consistent));
  if (capacity !== undefined) output.ConsumedCapacity = capacity;
  return output;
}

type Select = "ALL_ATTRIBUTES" | "ALL_PROJECTED_ATTRIBUTES" | "SPECIFIC_ATTRIBUTES" | "COUNT";

interface ReadPlan {
  table: TableRecord;
  filter: Condition | undefined;
  projection: Projection | undefined;
  select: Select;
  limit: number | undefined;
  consistent: boolean;
  exclusiveStartKey: Item | undefined;
}

/** The expressions of Query and Scan that may use placeholders. */
const queryMembers: ExpressionMembersOf = {
  names: ["ProjectionExpression", "FilterExpression", "KeyConditionExpression"],
  values: ["FilterExpression", "KeyConditionExpression"],
};
const scanMembers: ExpressionMembersOf = {
  names: ["ProjectionExpression", "FilterExpression"],
  values: ["FilterExpression"],
};

function parseCommon(context: OperationContext, input: Input, expressions: ExpressionContext): ReadPlan {
  const table = requireTable(context.engine, tableName(input));
  const indexName = optionalString(input, "IndexName");
  if (indexName !== undefined)
    throw validationError(`The table does not have the specified index: ${indexName}`);
  const filterText = optionalString(input, "FilterExpression");
  const filter =
    filterText === undefined ? undefined : parseCondition(filterText, expressions, "FilterExpression");
  const projection = parseOptionalProjection(input, expressions);
  const requested = optionalEnum(input, "Select", [
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
  ] as const);
  if (requested === "ALL_PROJECTED_ATTRIBUTES") {
    throw validationError("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  if (projection && requested !== undefined && requested !== "SPECIFIC_ATTRIBUTES") {
    const choice = requested === "COUNT" ? "only the Count" : requested;
    throw validationError(`Cannot specify the ProjectionExpression when choosing to get ${choice}`);
  }
  if (requested === "SPECIFIC_ATTRIBUTES" && !projection) {
    throw validationError(
      "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
    );
  }
  const select: Select = requested ?? (projection ? "SPECIFIC_ATTRIBUTES" : "ALL_ATTRIBUTES");
  const limit = optionalLimit(input, Number.MAX_SAFE_INTEGER);
  const consistent = optionalBoolean(input, "ConsistentRead") ?? false;
  const exclusiveStartKey =
    input.ExclusiveStartKey === undefined || input.ExclusiveStartKey === null
      ? undefined
      : startKey(table, input.ExclusiveStartKey);
  return { table, filter, projection, select, limit, consistent, exclusiveStartKey };
}

function startKey(table: TableRecord, raw: unknown): Item {
  try {
    return checkKey(table, raw, "ExclusiveStartKey");
  } catch {
    throw validationError(
      "The provided starting key is invalid: The provided key element does not match the schema",
    );
  }
}

/**
 * The inclusive bound a Query reads towards (BETWEEN, <= and >= have one), as DynamoDB uses it: a
 * page that ends on an item at that bound has read the whole range.
 */
function finalSortKey(sort: SortKeyCondition | undefined, forward: boolean): AttributeValue | undefined {
  if (sort === undefined) return undefined;
  if (sort.op === "BETWEEN") return forward ? sort.values[1] : sort.values[0];
  if (sort.op === (forward ? "<=" : ">=")) return sort.values[0];
  return undefined;
}

/**
 * Walks items in order, applying Limit, the 1 MB page bound, the filter and the projection. A page
 * cut short names its last key, unless `isLastPossible` says no item can follow it.
 */
function collect(
  context: OperationContext,
  plan: ReadPlan,
  items: Iterable<Item>,
  input: Input,
  operation: "Query" | "Scan",
  isLastPossible: (item: Item) => boolean,
) {
  const results: Item[] = [];
  let matchedCount = 0;
  let scannedCount = 0;
  let scannedBytes = 0;
  let lastEvaluatedKey: Item | undefined;
  for (const item of items) {
    scannedCount += 1;
    scannedBytes += itemSizeBytes(item);
    if (!plan.filter || evaluateCondition(plan.filter, item)) {
      matchedCount += 1;
      if (plan.select !== "COUNT")
        results.push(plan.projection ? applyProjection(plan.projection, item) : item);
    }
    if (scannedCount === plan.limit || scannedBytes >= maxPageBytes) {
      if (!isLastPossible(item)) lastEvaluatedKey = keyOf(plan.table, item);
      break;
    }
  }
  context.metrics.countItemsRead(operation, plan.table.name, scannedCount);
  const output: Record<string, unknown> = {};
  if (plan.select !== "COUNT") output.Items = results;
  output.Count = matchedCount;
  output.ScannedCount = scannedCount;
  if (lastEvaluatedKey) output.LastEvaluatedKey = lastEvaluatedKey;
  const capacity = consumedCapacity(
    capacityMode(input),
    plan.table.name,
    readUnits(scannedBytes, plan.consistent, emptyReadUnits),
  );
  if (capacity) output.ConsumedCapacity = capacity;
  return output;
}

/**
 * The partition key a Query's key condition names, as a key item (`{ <partition key>: value }`), for
 * routing it to the partition that holds it; undefined when the request is not valid (the store
 * answers that with its own error).
 */
export function queryPartitionKey(input: Input, keySchema: KeySchema): Item | undefined {
  try {
    const keyText = optionalString(input, "KeyConditionExpression");
    if (keyText === undefined) return undefined;
    const { partitionKey, sortKey } = keySchema;
    const { partitionValue } = parseKeyCondition(keyText, expressionContext(input, queryMembers), {
      partitionKey: partitionKey.name,
      partitionKeyType: partitionKey.type,
      ...(sortKey ? { sortKey: sortKey.name, sortKeyType: sortKey.type } : {}),
    });
    return { [partitionKey.name]: partitionValue };
  } catch {
    return undefined;
  }
}

export async function query(context: OperationContext, input: Input) {
  rejectNonExpressionMembers(input);
  const expressions = expressionContext(input, queryMembers);
  const keyText = optionalString(input, "KeyConditionExpression");
  if (keyText === undefined) {
    throw validationError(
      "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
    );
  }
  const plan = parseCommon(context, input, expressions);
  if (plan.filter) rejectKeyAttributesInFilter(plan.table, plan.filter);
  const { partitionKey, sortKey } = plan.table.keySchema;
  const keyCondition = parseKeyCondition(keyText, expressions, {
    partitionKey: partitionKey.name,
    partitionKeyType: partitionKey.type,
    ...(sortKey ? { sortKey: sortKey.name, sortKeyType: sortKey.type } : {}),
  });
  expressions.assertAllUsed();
  const forward = optionalBoolean(input, "ScanIndexForward") ?? true;
  const items = context.engine.query(plan.table, keyCondition.partitionValue, {
    ...(keyCondition.sort ? { sort: keyCondition.sort } : {}),
    forward,
    ...(plan.exclusiveStartKey ? { exclusiveStartKey: plan.exclusiveStartKey } : {}),
  });
  const finalValue = finalSortKey(keyCondition.sort, forward);
  // Without a sort key a Query reads at most one item; DynamoDB never offers to resume it.
  const isLastPossible = (item: Item) =>
    sortKey === undefined ||
    (finalValue !== undefined && valuesEqual(item[sortKey.name] as AttributeValue, finalValue));
  return collect(context, plan, items, input, "Query", isLastPossible);
}

export async function scan(context: OperationContext, input: Input) {
  rejectNonExpressionMembers(input);
  const expressions = expressionContext(input, scanMembers);
  const plan = parseCommon(context, input, expressions);
  expressions.assertAllUsed();
  const totalSegments = optionalInteger(input, "TotalSegments", 1, maxTotalSegments);
  const segment = optionalInteger(input, "Segment", 0, maxTotalSegments - 1);
  if (totalSegments !== undefined && segment === undefined) {
    throw validationError(
      "If total segments is specified, a particular segment must also be specified for this request",
    );
  }
  if (segment !== undefined && totalSegments === undefined) {
    throw validationError("If segment is specified, total segment must also be specified");
  }
  if (segment !== undefined && totalSegments !== undefined && segment >= totalSegments) {
    throw constraint("Segment", segment, `Member must have value less than or equal to ${totalSegments - 1}`);
  }
  const items = context.engine.scan(plan.table, {
    ...(segment !== undefined && totalSegments !== undefined ? { segment, totalSegments } : {}),
    ...(plan.exclusiveStartKey ? { exclusiveStartKey: plan.exclusiveStartKey } : {}),
  });
  return collect(context, plan, items, input, "Scan", () => false);
}
