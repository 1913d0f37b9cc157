/** PutItem, UpdateItem and DeleteItem: one item, decided atomically against its current state. */
import type { TableRecord } from "../../engine/index.js";
import { conditionalCheckFailed, validationError } from "../../errors.js";
import {
  applyUpdate,
  type Condition,
  ExpressionContext,
  evaluateCondition,
  type Projection,
  parseCondition,
  parseProjection,
  parseUpdate,
  readPath,
  type UpdatePlan,
} from "../../expressions/index.js";
import type { AttributeValue, Item } from "../../values/types.js";
import {
  capacityMode,
  checkItem,
  checkItemSize,
  checkKey,
  consumedCapacityOf,
  type OperationContext,
  requireTable,
  sizeOf,
  writeUnits,
} from "../common.js";
import {
  type ExpressionMembersOf,
  expressionContext,
  rejectNonExpressionMembers,
} from "../expression-members.js";
import { type Input, optionalArray, optionalEnum, optionalString, tableName } from "../validation.js";

/** The expressions of each single-item operation that may use placeholders. */
const conditionMembers: ExpressionMembersOf = {
  names: ["ConditionExpression"],
  values: ["ConditionExpression"],
};
const updateMembers: ExpressionMembersOf = {
  names: ["UpdateExpression", "ConditionExpression"],
  values: ["UpdateExpression", "ConditionExpression"],
};
export const projectionMembers: ExpressionMembersOf = { names: ["ProjectionExpression"], values: [] };

export function parseOptionalCondition(input: Input, context: ExpressionContext): Condition | undefined {
  const text = optionalString(input, "ConditionExpression");
  return text === undefined ? undefined : parseCondition(text, context, "ConditionExpression");
}

/** ProjectionExpression, or the legacy AttributesToGet list turned into one. */
export function parseOptionalProjection(input: Input, context: ExpressionContext): Projection | undefined {
  const text = optionalString(input, "ProjectionExpression");
  if (text !== undefined) return parseProjection(text, context);
  const attributes = optionalArray(input, "AttributesToGet");
  if (attributes === undefined) return undefined;
  if (attributes.length === 0) throw validationError("AttributesToGet cannot be empty");
  if (attributes.some((name) => typeof name !== "string" || name === "")) {
    throw validationError("Empty attribute name");
  }
  if (new Set(attributes).size !== attributes.length) {
    throw validationError("Cannot have two attributes with the same name");
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

/**
 * PutItem and DeleteItem: one write decided against the item's current state, under its condition, in
 * one engine transaction.
 */
async function conditionalWrite(context: OperationContext, input: Input, kind: "put" | "delete") {
  rejectNonExpressionMembers(input);
  const table = requireTable(context.engine, tableName(input));
  const expressions = expressionContext(input, conditionMembers);
  const item = kind === "put" ? checkItem(table, input.Item) : undefined;
  const key = item ?? checkKey(table, input.Key);
  const condition = parseOptionalCondition(input, expressions);
  expressions.assertAllUsed();
  const returns = returnValues(input, ["NONE", "ALL_OLD"] as const);
  const returnOldOnFailure = onConditionFailure(input) === "ALL_OLD";
  const mode = capacityMode(input);
  const old = await context.engine.transact((tx) => {
    const current = tx.get(table, key);
    if (condition && !evaluateCondition(condition, current)) failCondition(current, returnOldOnFailure);
    if (item) tx.put(table, item);
    else if (current) tx.delete(table, key);
    return current;
  });
  const output: Record<string, unknown> = {};
  if (returns === "ALL_OLD" && old) output.Attributes = old;
  return withCapacity(
    output,
    consumedCapacityOf(mode, table.name, () => writeUnits(Math.max(sizeOf(old), sizeOf(item)))),
  );
}

export function putItem(context: OperationContext, input: Input) {
  return conditionalWrite(context, input, "put");
}

export function deleteItem(context: OperationContext, input: Input) {
  return conditionalWrite(context, input, "delete");
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
export function updatedItem(key: Item, current: Item | undefined, plan: UpdatePlan | undefined): Item {
  const next = plan ? applyUpdate(plan, current ?? { ...key }) : (current ?? { ...key });
  checkItemSize(next, "update");
  return next;
}

/**
 * What UPDATED_OLD and UPDATED_NEW return from `item` (the old or the new image): as DynamoDB, each
 * top-level attribute under which an update path exists in that image, whole.
 */
function updatedAttributes(item: Item | undefined, plan: UpdatePlan | undefined): Item | undefined {
  if (!item || !plan) return undefined;
  const picked = new Map<string, AttributeValue>();
  for (const { path } of plan.actions) {
    const name = path[0] as string;
    if (readPath(item, path) !== undefined) picked.set(name, item[name] as AttributeValue);
  }
  // fromEntries defines own properties, so a name such as "__proto__" stays an attribute.
  return picked.size > 0 ? Object.fromEntries(picked) : undefined;
}

export async function updateItem(context: OperationContext, input: Input) {
  rejectNonExpressionMembers(input);
  const table = requireTable(context.engine, tableName(input));
  const expressions = expressionContext(input, updateMembers);
  const key = checkKey(table, input.Key);
  const plan = parseOptionalUpdate(table, input, expressions);
  const condition = parseOptionalCondition(input, expressions);
  expressions.assertAllUsed();
  const returns = returnValues(input, ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"] as const);
  const returnOldOnFailure = onConditionFailure(input) === "ALL_OLD";
  const mode = capacityMode(input);
  const { old, next } = await context.engine.transact((tx) => {
    const current = tx.get(table, key);
    if (condition && !evaluateCondition(condition, current)) failCondition(current, returnOldOnFailure);
    const item = updatedItem(key, current, plan);
    tx.put(table, item);
    return { old: current, next: item };
  });
  const attributes =
    returns === "ALL_OLD"
      ? old
      : returns === "ALL_NEW"
        ? next
        : returns === "UPDATED_OLD"
          ? updatedAttributes(old, plan)
          : returns === "UPDATED_NEW"
            ? updatedAttributes(next, plan)
            : undefined;
  const output: Record<string, unknown> = {};
  if (attributes) output.Attributes = attributes;
  return withCapacity(
    output,
    consumedCapacityOf(mode, table.name, () => writeUnits(Math.max(sizeOf(old), sizeOf(next)))),
  );
}
