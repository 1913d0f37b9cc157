/** PutItem, GetItem, UpdateItem and DeleteItem: one item, decided atomically against its current state. */
import type { TableRecord } from "../../engine/index.js";
import { conditionalCheckFailed, validationError } from "../../errors.js";
import {
  applyProjection,
  applyUpdate,
  type Condition,
  evaluateCondition,
  ExpressionContext,
  parseCondition,
  type Projection,
  parseProjection,
  parseUpdate,
  type UpdatePlan,
} from "../../expressions/index.js";
import type { Item } from "../../values/types.js";
import {
  capacityMode,
  checkItem,
  checkItemSize,
  checkKey,
  consumedCapacity,
  type OperationContext,
  readUnits,
  requireTable,
  sizeOf,
  writeUnits,
} from "../common.js";
import {
  type Input,
  optionalArray,
  optionalBoolean,
  optionalEnum,
  optionalObject,
  optionalString,
  tableName,
} from "../validation.js";

/** Members of DynamoDB's pre-expression API; this store speaks expressions only and says so. */
const legacyMembers = ["Expected", "AttributeUpdates", "ConditionalOperator", "KeyConditions", "QueryFilter", "ScanFilter"];

export function rejectLegacyMembers(input: Input): void {
  for (const member of legacyMembers) {
    if (input[member] !== undefined && input[member] !== null) {
      throw validationError(
        `${member} is a legacy parameter that this store does not support; use the expression parameters instead.`,
      );
    }
  }
}

/** Expression names and values of one request, with the check that every one of them is used. */
export function expressionContext(input: Input): ExpressionContext {
  const names = optionalObject(input, "ExpressionAttributeNames");
  const values = optionalObject(input, "ExpressionAttributeValues");
  if (names !== undefined && Object.keys(names).length === 0) {
    throw validationError("ExpressionAttributeNames must not be empty");
  }
  if (values !== undefined && Object.keys(values).length === 0) {
    throw validationError("ExpressionAttributeValues must not be empty");
  }
  return new ExpressionContext(names, values);
}

export function parseOptionalCondition(input: Input, context: ExpressionContext): Condition | undefined {
  const text = optionalString(input, "ConditionExpression");
  return text === undefined ? undefined : parseCondition(text, context, "ConditionExpression");
}

/** ProjectionExpression, or the legacy AttributesToGet list turned into one. */
export function parseOptionalProjection(input: Input, context: ExpressionContext): Projection | undefined {
  const text = optionalString(input, "ProjectionExpression");
  const attributes = optionalArray(input, "AttributesToGet");
  if (text !== undefined && attributes !== undefined) {
    throw validationError(
      "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
    );
  }
  if (text !== undefined) return parseProjection(text, context);
  if (attributes === undefined) return undefined;
  if (attributes.length === 0 || attributes.some((name) => typeof name !== "string" || name === "")) {
    throw validationError("AttributesToGet must be a non-empty list of attribute names");
  }
  if (new Set(attributes).size !== attributes.length) {
    throw validationError(`One or more parameter values were invalid: Duplicate value in attribute name: ${attributes.join(", ")}`);
  }
  const names: Record<string, string> = {};
  attributes.forEach((name, index) => {
    names[`#a${index}`] = name as string;
  });
  const legacy = new ExpressionContext(names, undefined);
  return parseProjection(Object.keys(names).join(", "), legacy);
}

function onConditionFailure(input: Input): "ALL_OLD" | "NONE" {
  return optionalEnum(input, "ReturnValuesOnConditionCheckFailure", ["ALL_OLD", "NONE"] as const) ?? "NONE";
}

export function failCondition(old: Item | undefined, returnOld: boolean): never {
  throw conditionalCheckFailed(returnOld && old ? { Item: old } : undefined);
}

function returnValues<T extends string>(input: Input, allowed: readonly T[]): T | "NONE" {
  const value = input.ReturnValues;
  if (value === undefined || value === null) return "NONE";
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw validationError("Return values set to invalid value");
  }
  return value as T;
}

function withCapacity(output: Record<string, unknown>, capacity: unknown) {
  if (capacity !== undefined) output.ConsumedCapacity = capacity;
  return output;
}

export async function putItem(context: OperationContext, input: Input) {
  rejectLegacyMembers(input);
  const table = requireTable(context.engine, tableName(input));
  const item = checkItem(table, input.Item);
  const expressions = expressionContext(input);
  const condition = parseOptionalCondition(input, expressions);
  expressions.assertAllUsed();
  const returns = returnValues(input, ["NONE", "ALL_OLD"] as const);
  const returnOldOnFailure = onConditionFailure(input) === "ALL_OLD";
  const mode = capacityMode(input);
  const old = await context.engine.transact((tx) => {
    const current = tx.get(table, item);
    if (condition && !evaluateCondition(condition, current)) failCondition(current, returnOldOnFailure);
    tx.put(table, item);
    return current;
  });
  const output: Record<string, unknown> = {};
  if (returns === "ALL_OLD" && old) output.Attributes = old;
  return withCapacity(output, consumedCapacity(mode, table.name, writeUnits(Math.max(sizeOf(old), sizeOf(item)))));
}

export async function getItem(context: OperationContext, input: Input) {
  const table = requireTable(context.engine, tableName(input));
  const key = checkKey(table, input.Key);
  const expressions = expressionContext(input);
  const projection = parseOptionalProjection(input, expressions);
  expressions.assertAllUsed();
  const consistent = optionalBoolean(input, "ConsistentRead") ?? false;
  const mode = capacityMode(input);
  const item = context.engine.getItem(table, key);
  context.metrics.countItemsRead("GetItem", table.name, item ? 1 : 0);
  const output: Record<string, unknown> = {};
  if (item) output.Item = projection ? applyProjection(projection, item) : item;
  return withCapacity(output, consumedCapacity(mode, table.name, readUnits(sizeOf(item), consistent)));
}

export async function deleteItem(context: OperationContext, input: Input) {
  rejectLegacyMembers(input);
  const table = requireTable(context.engine, tableName(input));
  const key = checkKey(table, input.Key);
  const expressions = expressionContext(input);
  const condition = parseOptionalCondition(input, expressions);
  expressions.assertAllUsed();
  const returns = returnValues(input, ["NONE", "ALL_OLD"] as const);
  const returnOldOnFailure = onConditionFailure(input) === "ALL_OLD";
  const mode = capacityMode(input);
  const old = await context.engine.transact((tx) => {
    const current = tx.get(table, key);
    if (condition && !evaluateCondition(condition, current)) failCondition(current, returnOldOnFailure);
    if (current) tx.delete(table, key);
    return current;
  });
  const output: Record<string, unknown> = {};
  if (returns === "ALL_OLD" && old) output.Attributes = old;
  return withCapacity(output, consumedCapacity(mode, table.name, writeUnits(sizeOf(old))));
}

/** Parses an UpdateExpression and rejects one that would change a key attribute. */
export function parseOptionalUpdate(
  table: TableRecord,
  input: Input,
  context: ExpressionContext,
): UpdatePlan | undefined {
  const text = optionalString(input, "UpdateExpression");
  if (text === undefined) return undefined;
  const plan = parseUpdate(text, context);
  const keyNames = [table.keySchema.partitionKey.name, table.keySchema.sortKey?.name];
  for (const attribute of plan.topLevelAttributes()) {
    if (keyNames.includes(attribute)) {
      throw validationError(
        `One or more parameter values were invalid: Cannot update attribute ${attribute}. This attribute is part of the key`,
      );
    }
  }
  return plan;
}

/** The item an update produces from the current one (or from the bare key when there is none). */
export function updatedItem(table: TableRecord, key: Item, current: Item | undefined, plan: UpdatePlan | undefined): Item {
  const next = plan ? applyUpdate(plan, current ?? { ...key }) : (current ?? { ...key });
  checkItemSize(next);
  return next;
}

function pick(item: Item | undefined, attributes: string[]): Item | undefined {
  if (!item) return undefined;
  const picked: Item = {};
  for (const name of attributes) if (item[name] !== undefined) picked[name] = item[name]!;
  return Object.keys(picked).length > 0 ? picked : undefined;
}

export async function updateItem(context: OperationContext, input: Input) {
  rejectLegacyMembers(input);
  const table = requireTable(context.engine, tableName(input));
  const key = checkKey(table, input.Key);
  const expressions = expressionContext(input);
  const plan = parseOptionalUpdate(table, input, expressions);
  const condition = parseOptionalCondition(input, expressions);
  expressions.assertAllUsed();
  const returns = returnValues(input, ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"] as const);
  const returnOldOnFailure = onConditionFailure(input) === "ALL_OLD";
  const mode = capacityMode(input);
  const { old, next } = await context.engine.transact((tx) => {
    const current = tx.get(table, key);
    if (condition && !evaluateCondition(condition, current)) failCondition(current, returnOldOnFailure);
    const item = updatedItem(table, key, current, plan);
    tx.put(table, item);
    return { old: current, next: item };
  });
  const touched = plan ? plan.topLevelAttributes() : [];
  const attributes =
    returns === "ALL_OLD"
      ? old
      : returns === "ALL_NEW"
        ? next
        : returns === "UPDATED_OLD"
          ? pick(old, touched)
          : returns === "UPDATED_NEW"
            ? pick(next, touched)
            : undefined;
  const output: Record<string, unknown> = {};
  if (attributes) output.Attributes = attributes;
  return withCapacity(output, consumedCapacity(mode, table.name, writeUnits(Math.max(sizeOf(old), sizeOf(next)))));
}
