/** CreateTable, DescribeTable, ListTables, UpdateTable and DeleteTable. */
import { randomUUID } from "node:crypto";
import type { TableRecord } from "../../engine/index.js";
import { DynamoError, validationError } from "../../errors.js";
import { type OperationContext, requireTable } from "../common.js";
import { type AttributeDefinitions, parseKeySchema } from "../key-schema.js";
import {
  type Input,
  optionalBoolean,
  optionalEnum,
  optionalLimit,
  optionalObject,
  tableName,
} from "../validation.js";

/** How many tables one store holds, as DynamoDB's default account quota. */
export const maxTables = 2500;
/** ListTables returns at most this many names per page. */
export const maxListTablesPage = 100;

type BillingMode = "PROVISIONED" | "PAY_PER_REQUEST";

/** What the API keeps about a table beyond its key schema (the engine stores it opaquely). */
export interface TableDefinition {
  tableId: string;
  attributeDefinitions: AttributeDefinitions;
  billingMode: BillingMode;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  creationDateTimeSeconds: number;
  /** When the table last became on-demand; absent for a table that has always been provisioned. */
  lastUpdateToPayPerRequestSeconds?: number;
  deletionProtectionEnabled: boolean;
}

const accountId = "000000000000";
const region = "local";

const messages = {
  noThroughput: "No provisioned throughput specified for the table",
  invalidThroughput: "Table read and write throughput must be at least 1, and cannot be null",
  throughputOnDemand:
    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
  sameThroughput: "The requested throughput value equals the current value",
  nothingToUpdate: "Nothing to update",
  deletionProtected:
    "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
} as const;

function definitionOf(table: TableRecord): TableDefinition {
  return table.definition as TableDefinition;
}

function capacityUnits(input: Input, member: string): number {
  const value = input[member];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw validationError(messages.invalidThroughput);
  }
  return value;
}

function throughput(input: Input | undefined, billingMode: BillingMode): { read: number; write: number } {
  if (billingMode === "PAY_PER_REQUEST") {
    if (input !== undefined) throw validationError(messages.throughputOnDemand);
    return { read: 0, write: 0 };
  }
  if (input === undefined) throw validationError(messages.noThroughput);
  return {
    read: capacityUnits(input, "ReadCapacityUnits"),
    write: capacityUnits(input, "WriteCapacityUnits"),
  };
}

export function describe(context: OperationContext, table: TableRecord, status = "ACTIVE") {
  const definition = definitionOf(table);
  const stats = context.engine.tableStats(table.name);
  const keySchema = [{ AttributeName: table.keySchema.partitionKey.name, KeyType: "HASH" }];
  if (table.keySchema.sortKey)
    keySchema.push({ AttributeName: table.keySchema.sortKey.name, KeyType: "RANGE" });
  const description: Record<string, unknown> = {
    AttributeDefinitions: definition.attributeDefinitions,
    TableName: table.name,
    KeySchema: keySchema,
    TableStatus: status,
    CreationDateTime: definition.creationDateTimeSeconds,
    ProvisionedThroughput: {
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: definition.readCapacityUnits,
      WriteCapacityUnits: definition.writeCapacityUnits,
    },
    TableSizeBytes: stats.sizeBytes,
    ItemCount: stats.itemCount,
    TableArn: `arn:aws:dynamodb:${region}:${accountId}:table/${table.name}`,
    TableId: definition.tableId,
    DeletionProtectionEnabled: definition.deletionProtectionEnabled,
  };
  // As DynamoDB: a table that has never been on-demand has no summary.
  if (definition.lastUpdateToPayPerRequestSeconds !== undefined) {
    description.BillingModeSummary = {
      BillingMode: definition.billingMode,
      LastUpdateToPayPerRequestDateTime: definition.lastUpdateToPayPerRequestSeconds,
    };
  }
  return description;
}

function rejectUnsupported(input: Input, members: string[]) {
  for (const member of members) {
    const value = input[member];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
      throw validationError(`${member} is not supported by this store yet.`);
    }
  }
}

export async function createTable(context: OperationContext, input: Input) {
  const name = tableName(input);
  rejectUnsupported(input, ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"]);
  const { keySchema, definitions } = parseKeySchema(input);
  const billingMode =
    optionalEnum(input, "BillingMode", ["PROVISIONED", "PAY_PER_REQUEST"] as const) ?? "PROVISIONED";
  const { read, write } = throughput(optionalObject(input, "ProvisionedThroughput"), billingMode);
  const deletionProtectionEnabled = optionalBoolean(input, "DeletionProtectionEnabled") ?? false;
  if (context.engine.getTable(name))
    throw new DynamoError("ResourceInUseException", `Table already exists: ${name}`);
  if (context.engine.listTableNames().length >= maxTables) {
    throw new DynamoError("LimitExceededException", `This store holds at most ${maxTables} tables.`);
  }
  const nowSeconds = Date.now() / 1000;
  const definition: TableDefinition = {
    tableId: randomUUID(),
    attributeDefinitions: definitions,
    billingMode,
    readCapacityUnits: read,
    writeCapacityUnits: write,
    creationDateTimeSeconds: nowSeconds,
    ...(billingMode === "PAY_PER_REQUEST" ? { lastUpdateToPayPerRequestSeconds: nowSeconds } : {}),
    deletionProtectionEnabled,
  };
  const table = await context.engine.createTable({ name, keySchema, definition });
  return { TableDescription: describe(context, table) };
}

export async function describeTable(context: OperationContext, input: Input) {
  const table = requireTable(context.engine, tableName(input));
  return { Table: describe(context, table) };
}

export async function listTables(context: OperationContext, input: Input) {
  const start =
    input.ExclusiveStartTableName === undefined ? undefined : tableName(input, "ExclusiveStartTableName");
  const limit =
    optionalLimit(input, maxListTablesPage, `Limit in ListTables must be <= ${maxListTablesPage}`) ??
    maxListTablesPage;
  const names = context.engine.listTableNames().filter((name) => start === undefined || name > start);
  const page = names.slice(0, limit);
  const output: Record<string, unknown> = { TableNames: page };
  if (names.length > limit) output.LastEvaluatedTableName = page[page.length - 1];
  return output;
}

export async function deleteTable(context: OperationContext, input: Input) {
  const table = requireTable(context.engine, tableName(input));
  if (definitionOf(table).deletionProtectionEnabled) {
    throw validationError(messages.deletionProtected);
  }
  const description = describe(context, table, "DELETING");
  await context.engine.deleteTable(table.name);
  return { TableDescription: description };
}

export async function updateTable(context: OperationContext, input: Input) {
  const table = requireTable(context.engine, tableName(input));
  rejectUnsupported(input, [
    "GlobalSecondaryIndexUpdates",
    "ReplicaUpdates",
    "StreamSpecification",
    "SSESpecification",
  ]);
  const current = definitionOf(table);
  const billingMode = optionalEnum(input, "BillingMode", ["PROVISIONED", "PAY_PER_REQUEST"] as const);
  const provisioned = optionalObject(input, "ProvisionedThroughput");
  const deletionProtection = optionalBoolean(input, "DeletionProtectionEnabled");
  if (billingMode === undefined && provisioned === undefined && deletionProtection === undefined) {
    throw validationError(messages.nothingToUpdate);
  }
  const next: TableDefinition = { ...current };
  if (billingMode !== undefined || provisioned !== undefined) {
    const mode = billingMode ?? current.billingMode;
    const { read, write } = throughput(provisioned, mode);
    const unchanged =
      mode === "PROVISIONED" &&
      current.billingMode === "PROVISIONED" &&
      provisioned !== undefined &&
      read === current.readCapacityUnits &&
      write === current.writeCapacityUnits;
    if (unchanged) throw validationError(messages.sameThroughput);
    if (mode === "PAY_PER_REQUEST" && current.billingMode !== "PAY_PER_REQUEST") {
      next.lastUpdateToPayPerRequestSeconds = Date.now() / 1000;
    }
    next.billingMode = mode;
    next.readCapacityUnits = read;
    next.writeCapacityUnits = write;
  }
  if (deletionProtection !== undefined) next.deletionProtectionEnabled = deletionProtection;
  const updated = await context.engine.updateTableDefinition(table.name, next);
  return { TableDescription: describe(context, updated) };
}
