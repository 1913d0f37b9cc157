/**
 * TransactWriteItems and TransactGetItems: up to 100 actions decided together. All conditions are
 * checked against one consistent state inside one write transaction; either every write commits or none.
 */
import { createHash } from "node:crypto";
import type { TableRecord } from "../../engine/index.js";
import { DynamoError, validationError } from "../../errors.js";
import {
  applyProjection,
  type Condition,
  evaluateCondition,
  type Projection,
  parseCondition,
  type UpdatePlan,
} from "../../expressions/index.js";
import type { Item } from "../../values/types.js";
import {
  capacityMode,
  checkItem,
  checkKey,
  consumedCapacity,
  keyFingerprint,
  keyOf,
  type OperationContext,
  readUnits,
  requireTable,
  sizeOf,
  writeUnits,
} from "../common.js";
import { type ExpressionMembersOf, expressionContext } from "../expression-members.js";
import {
  type Input,
  lengthBetween,
  optionalEnum,
  optionalString,
  requiredArray,
  tableName,
} from "../validation.js";
import {
  parseOptionalCondition,
  parseOptionalProjection,
  parseOptionalUpdate,
  projectionMembers,
  updatedItem,
} from "./items.js";

/** DynamoDB's bound on actions per transaction. */
export const maxTransactionItems = 100;
/** How long a ClientRequestToken makes a TransactWriteItems call idempotent, as DynamoDB: 10 minutes. */
export const idempotencyWindowMs = 10 * 60 * 1000;
/** Remembered tokens; the oldest are forgotten first when the bound is reached. */
export const maxRememberedTokens = 10_000;

type Action = "ConditionCheck" | "Put" | "Delete" | "Update";

interface WriteAction {
  action: Action;
  table: TableRecord;
  key: Item;
  item?: Item;
  plan?: UpdatePlan | undefined;
  condition: Condition | undefined;
  returnOldOnFailure: boolean;
}

interface Reason {
  Code: string;
  Message?: string;
  Item?: Item;
}

const rememberedTokens = new Map<string, { requestHash: string; atMs: number; output: unknown }>();

function singleAction(entry: Input, allowed: readonly string[]): [string, Input] {
  const present = allowed.filter((name) => entry[name] !== undefined && entry[name] !== null);
  if (present.length !== 1) {
    throw validationError(`TransactItems can only contain one of ${allowed.join(", ")} per item`);
  }
  const name = present[0]!;
  const body = entry[name];
  if (typeof body !== "object" || Array.isArray(body)) throw validationError(`${name} must be an object.`);
  return [name, body as Input];
}

/** The expressions of each transaction action that may use placeholders. */
const actionMembers: Record<Action, ExpressionMembersOf> = {
  ConditionCheck: { names: ["ConditionExpression"], values: ["ConditionExpression"] },
  Put: { names: ["ConditionExpression"], values: ["ConditionExpression"] },
  Delete: { names: ["ConditionExpression"], values: ["ConditionExpression"] },
  Update: {
    names: ["UpdateExpression", "ConditionExpression"],
    values: ["UpdateExpression", "ConditionExpression"],
  },
};

function parseWriteAction(context: OperationContext, entry: Input): WriteAction {
  const [action, body] = singleAction(entry, ["ConditionCheck", "Put", "Delete", "Update"]) as [
    Action,
    Input,
  ];
  const table = requireTable(context.engine, tableName(body));
  const expressions = expressionContext(body, actionMembers[action]);
  const returnOldOnFailure =
    (optionalEnum(body, "ReturnValuesOnConditionCheckFailure", ["ALL_OLD", "NONE"] as const) ?? "NONE") ===
    "ALL_OLD";
  let parsed: WriteAction;
  if (action === "Put") {
    const item = checkItem(table, body.Item);
    parsed = {
      action,
      table,
      key: keyOf(table, item),
      item,
      condition: parseOptionalCondition(body, expressions),
      returnOldOnFailure,
    };
  } else if (action === "Update") {
    const key = checkKey(table, body.Key);
    if (optionalString(body, "UpdateExpression") === undefined) {
      throw validationError(
        "1 validation error detected: Value null at 'transactItems.update.updateExpression' failed to satisfy constraint: Member must not be null",
      );
    }
    const plan = parseOptionalUpdate(table, body, expressions);
    parsed = {
      action,
      table,
      key,
      plan,
      condition: parseOptionalCondition(body, expressions),
      returnOldOnFailure,
    };
  } else if (action === "Delete") {
    parsed = {
      action,
      table,
      key: checkKey(table, body.Key),
      condition: parseOptionalCondition(body, expressions),
      returnOldOnFailure,
    };
  } else {
    const text = optionalString(body, "ConditionExpression");
    if (text === undefined) {
      throw validationError(
        "1 validation error detected: Value null at 'transactItems.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null",
      );
    }
    parsed = {
      action,
      table,
      key: checkKey(table, body.Key),
      condition: parseCondition(text, expressions, "ConditionExpression"),
      returnOldOnFailure,
    };
  }
  expressions.assertAllUsed();
  return parsed;
}

function duplicateKeyError(): DynamoError {
  return validationError("Transaction request cannot include multiple operations on one item");
}

function cancelled(reasons: Reason[]): DynamoError {
  return new DynamoError(
    "TransactionCanceledException",
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
    400,
    { CancellationReasons: reasons },
  );
}

function forgetExpiredTokens(nowMs: number) {
  for (const [token, entry] of rememberedTokens) {
    if (nowMs - entry.atMs < idempotencyWindowMs && rememberedTokens.size < maxRememberedTokens) break;
    rememberedTokens.delete(token);
  }
}

export async function transactWriteItems(context: OperationContext, input: Input) {
  const entries = requiredArray(input, "TransactItems");
  lengthBetween("TransactItems", entries, 1, maxTransactionItems);
  const token = optionalString(input, "ClientRequestToken");
  if (token !== undefined && (token.length < 1 || token.length > 36)) {
    throw validationError(
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36",
    );
  }
  const requestHash = createHash("sha256").update(JSON.stringify(entries)).digest("hex");
  const nowMs = Date.now();
  forgetExpiredTokens(nowMs);
  if (token !== undefined) {
    const remembered = rememberedTokens.get(token);
    if (remembered) {
      if (remembered.requestHash !== requestHash) {
        throw new DynamoError(
          "IdempotentParameterMismatchException",
          "The request uses the same client token as a previous, but non-identical request.",
        );
      }
      return remembered.output;
    }
  }
  const actions = entries.map((entry) => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw validationError("Each member of TransactItems must be an object.");
    }
    return parseWriteAction(context, entry as Input);
  });
  const mode = capacityMode(input);
  const unitsByTable = await context.engine.transact((tx) => {
    const reasons: Reason[] = [];
    const outcomes: { action: WriteAction; old: Item | undefined; next: Item | undefined }[] = [];
    // As DynamoDB, actions are decided one after the other, each seeing the items as the actions
    // before it left them; a repeated key is found only when its action's condition holds and its
    // update applies, and not past an action that could not be applied (the transaction is cancelled
    // anyway).
    const decided = new Map<string, Item | undefined>();
    const original = new Map<string, Item | undefined>();
    // Reasons that return the item, by position: the item as the whole transaction would leave it.
    const itemsToReturn = new Map<number, string>();
    for (const action of actions) {
      const fingerprint = keyFingerprint(action.table, action.key);
      if (!original.has(fingerprint)) original.set(fingerprint, tx.get(action.table, action.key));
      const old = decided.has(fingerprint) ? decided.get(fingerprint) : original.get(fingerprint);
      if (action.condition && !evaluateCondition(action.condition, old)) {
        reasons.push({ Code: "ConditionalCheckFailed", Message: "The conditional request failed" });
        if (action.returnOldOnFailure) itemsToReturn.set(reasons.length - 1, fingerprint);
        continue;
      }
      let next: Item | undefined;
      try {
        next =
          action.action === "Put"
            ? action.item
            : action.action === "Update"
              ? updatedItem(action.key, old, action.plan)
              : undefined;
      } catch (error) {
        if (!(error instanceof DynamoError)) throw error;
        reasons.push({ Code: "ValidationError", Message: error.message });
        continue;
      }
      const applicable = reasons.every((reason) => reason.Code !== "ValidationError");
      if (applicable && decided.has(fingerprint)) throw duplicateKeyError();
      decided.set(fingerprint, action.action === "ConditionCheck" ? old : next);
      outcomes.push({ action, old, next });
      reasons.push({ Code: "None" });
    }
    for (const [position, fingerprint] of itemsToReturn) {
      const item = decided.has(fingerprint) ? decided.get(fingerprint) : original.get(fingerprint);
      if (item) (reasons[position] as Reason).Item = item;
    }
    if (reasons.some((reason) => reason.Code !== "None")) throw cancelled(reasons);
    const units = new Map<string, number>();
    for (const { action, old, next } of outcomes) {
      if (action.action === "Put" || action.action === "Update") tx.put(action.table, next!);
      else if (action.action === "Delete" && old) tx.delete(action.table, action.key);
      const spent =
        action.action === "ConditionCheck"
          ? readUnits(sizeOf(old), true)
          : writeUnits(Math.max(sizeOf(old), sizeOf(next)));
      units.set(action.table.name, (units.get(action.table.name) ?? 0) + 2 * spent);
    }
    return units;
  });
  const output: Record<string, unknown> = {};
  if (mode !== "NONE") {
    output.ConsumedCapacity = [...unitsByTable].map(([name, units]) => consumedCapacity(mode, name, units));
  }
  if (token !== undefined) rememberedTokens.set(token, { requestHash, atMs: nowMs, output });
  return output;
}

export async function transactGetItems(context: OperationContext, input: Input) {
  const entries = requiredArray(input, "TransactItems");
  lengthBetween("TransactItems", entries, 1, maxTransactionItems);
  const gets = entries.map((entry) => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw validationError("Each member of TransactItems must be an object.");
    }
    const [, body] = singleAction(entry as Input, ["Get"]);
    const table = requireTable(context.engine, tableName(body));
    const expressions = expressionContext(body, projectionMembers);
    const key = checkKey(table, body.Key);
    const projection: Projection | undefined = parseOptionalProjection(body, expressions);
    expressions.assertAllUsed();
    return { table, key, projection };
  });
  const seen = new Set<string>();
  for (const get of gets) {
    const fingerprint = keyFingerprint(get.table, get.key);
    if (seen.has(fingerprint)) throw duplicateKeyError();
    seen.add(fingerprint);
  }
  const mode = capacityMode(input);
  const units = new Map<string, number>();
  const responses = gets.map(({ table, key, projection }) => {
    const item = context.engine.getItem(table, key);
    units.set(table.name, (units.get(table.name) ?? 0) + 2 * readUnits(sizeOf(item), true));
    if (!item) return {};
    return { Item: projection ? applyProjection(projection, item) : item };
  });
  const output: Record<string, unknown> = { Responses: responses };
  if (mode !== "NONE") {
    output.ConsumedCapacity = [...units].map(([name, spent]) => consumedCapacity(mode, name, spent));
  }
  return output;
}
