/** CreateTable, DescribeTable, ListTables, UpdateTable and DeleteTable. */
import { randomUUID } from "node:crypto";
import type { KeySchema, TableRecord } from "../../engine/index.js";
import { DynamoError, validationError } from "../../errors.js";
import type { KeyAttributeType } from "../../values/types.js";
import { type OperationContext, requireTable } from "../common.js";
import {
  type Input,
  lengthBetween,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  requiredArray,
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
  attributeDefinitions: { AttributeName: string; AttributeType: KeyAttributeType }[];
  billingMode: BillingMode;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  creationDateTimeSeconds: number;
  deletionProtectionEnabled: boolean;
}

const accountId = "000000000000";
const region = "local";

function definitionOf(table: TableRecord): TableDefinition {
  return table.definition as TableDefinition;
}

function throughput(input: Input | undefined, billingMode: BillingMode): { read: number; write: number } {
  if (billingMode === "PAY_PER_REQUEST") {
    if (input !== undefined) {
      throw validationError(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
      );
    }
    return { read: 0, write: 0 };
  }
  if (input === undefined) {
    throw validationError("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  }
  const read = optionalInteger(input, "ReadCapacityUnits", 1, Number.MAX_SAFE_INTEGER);
  const write = optionalInteger(input, "WriteCapacityUnits", 1, Number.MAX_SAFE_INTEGER);
  if (read === undefined || write === undefined) {
    throw validationError("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  }
  return { read, write };
}

function parseKeySchema(input: Input): { keySchema: KeySchema; definitions: TableDefinition["attributeDefinitions"] } {
  const rawDefinitions = requiredArray(input, "AttributeDefinitions");
  const definitions: TableDefinition["attributeDefinitions"] = [];
  for (const raw of rawDefinitions) {
    const entry = (raw ?? {}) as Input;
    const name = optionalString(entry, "AttributeName");
    const type = optionalEnum(entry, "AttributeType", ["S", "N", "B"] as const);
    if (!name || !type) {
      throw validationError("One or more parameter values were invalid: Some AttributeDefinitions are not valid");
    }
    if (definitions.some((d) => d.AttributeName === name)) {
      throw validationError(
        `Cannot have two attributes with the same name. Duplicate attribute: ${name}`,
      );
    }
    definitions.push({ AttributeName: name, AttributeType: type });
  }
  const rawKeySchema = requiredArray(input, "KeySchema");
  lengthBetween("KeySchema", rawKeySchema, 1, 2);
  const elements = rawKeySchema.map((raw) => {
    const entry = (raw ?? {}) as Input;
    const name = optionalString(entry, "AttributeName");
    const keyType = optionalEnum(entry, "KeyType", ["HASH", "RANGE"] as const);
    if (!name || !keyType) throw validationError("One or more parameter values were invalid: Invalid KeySchema");
    if (name.length > 255) throw validationError("One or more parameter values were invalid: Invalid KeySchema: attribute name is too long");
    return { name, keyType };
  });
  const [first, second] = elements as [(typeof elements)[0], (typeof elements)[0] | undefined];
  if (first.keyType !== "HASH") {
    throw validationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (second && second.keyType !== "RANGE") {
    throw validationError("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  if (second && second.name === first.name) {
    throw validationError("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  const typeOf = (name: string) => {
    const definition = definitions.find((d) => d.AttributeName === name);
    if (!definition) {
      throw validationError(
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
          elements.map((e) => e.name).join(", ") +
          "], AttributeDefinitions: [" +
          definitions.map((d) => d.AttributeName).join(", ") +
          "]",
      );
    }
    return definition.AttributeType;
  };
  const keySchema: KeySchema = { partitionKey: { name: first.name, type: typeOf(first.name) } };
  if (second) keySchema.sortKey = { name: second.name, type: typeOf(second.name) };
  if (definitions.length !== elements.length) {
    throw validationError(
      "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
    );
  }
  return { keySchema, definitions };
}

export function describe(context: OperationContext, table: TableRecord, status = "ACTIVE") {
  const definition = definitionOf(table);
  const stats = context.engine.tableStats(table.name);
  const keySchema = [{ AttributeName: table.keySchema.partitionKey.name, KeyType: "HASH" }];
  if (table.keySchema.sortKey) keySchema.push({ AttributeName: table.keySchema.sortKey.name, KeyType: "RANGE" });
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
  if (definition.billingMode === "PAY_PER_REQUEST") {
    description.BillingModeSummary = {
      BillingMode: "PAY_PER_REQUEST",
      LastUpdateToPayPerRequestDateTime: definition.creationDateTimeSeconds,
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
  const billingMode = optionalEnum(input, "BillingMode", ["PROVISIONED", "PAY_PER_REQUEST"] as const) ?? "PROVISIONED";
  const { read, write } = throughput(optionalObject(input, "ProvisionedThroughput"), billingMode);
  const deletionProtectionEnabled = optionalBoolean(input, "DeletionProtectionEnabled") ?? false;
  if (context.engine.getTable(name)) throw new DynamoError("ResourceInUseException", `Table already exists: ${name}`);
  if (context.engine.listTableNames().length >= maxTables) {
    throw new DynamoError("LimitExceededException", `This store holds at most ${maxTables} tables.`);
  }
  const definition: TableDefinition = {
    tableId: randomUUID(),
    attributeDefinitions: definitions,
    billingMode,
    readCapacityUnits: read,
    writeCapacityUnits: write,
    creationDateTimeSeconds: Date.now() / 1000,
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
  const start = input.ExclusiveStartTableName === undefined ? undefined : tableName(input, "ExclusiveStartTableName");
  const limit = optionalInteger(input, "Limit", 1, maxListTablesPage) ?? maxListTablesPage;
  const names = context.engine.listTableNames().filter((name) => start === undefined || name > start);
  const page = names.slice(0, limit);
  const output: Record<string, unknown> = { TableNames: page };
  if (names.length > limit) output.LastEvaluatedTableName = page[page.length - 1];
  return output;
}

export async function deleteTable(context: OperationContext, input: Input) {
  const table = requireTable(context.engine, tableName(input));
  if (definitionOf(table).deletionProtectionEnabled) {
    throw validationError(`Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`);
  }
  const description = describe(context, table, "DELETING");
  await context.engine.deleteTable(table.name);
  return { TableDescription: description };
}

export async function updateTable(context: OperationContext, input: Input) {
  const table = requireTable(context.engine, tableName(input));
  rejectUnsupported(input, ["GlobalSecondaryIndexUpdates", "ReplicaUpdates", "StreamSpecification", "SSESpecification"]);
  const current = definitionOf(table);
  const billingMode = optionalEnum(input, "BillingMode", ["PROVISIONED", "PAY_PER_REQUEST"] as const);
  const provisioned = optionalObject(input, "ProvisionedThroughput");
  const deletionProtection = optionalBoolean(input, "DeletionProtectionEnabled");
  if (billingMode === undefined && provisioned === undefined && deletionProtection === undefined) {
    throw validationError("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  }
  const next: TableDefinition = { ...current };
  if (billingMode !== undefined || provisioned !== undefined) {
    const mode = billingMode ?? current.billingMode;
    const { read, write } = throughput(provisioned, mode);
    next.billingMode = mode;
    next.readCapacityUnits = read;
    next.writeCapacityUnits = write;
  }
  if (deletionProtection !== undefined) next.deletionProtectionEnabled = deletionProtection;
  const updated = await context.engine.updateTableDefinition(table.name, next);
  return { TableDescription: describe(context, updated) };
}
