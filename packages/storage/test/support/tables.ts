/**
 * Table fixtures for tests: unique names, so that tests sharing one target never collide, and a
 * create-and-wait helper for the two key shapes the suite uses (partition key only, or partition key
 * plus sort key).
 */
import { randomBytes } from "node:crypto";
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type ScalarAttributeType,
} from "@aws-sdk/client-dynamodb";

/** How long a new table may stay CREATING. Milliseconds. */
const tableActiveTimeoutMs = 20_000;
/** Pause between DescribeTable polls while a table is CREATING. Milliseconds. */
const tableStatusPollIntervalMs = 50;

/** A table name no other test uses: `<prefix>-<random hex>`, within DynamoDB's 3..255 character rule. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

export interface KeyAttribute {
  name: string;
  type: ScalarAttributeType;
}

export interface TableShape {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

/** Creates an on-demand table and waits until DescribeTable reports it ACTIVE. Returns its name. */
export async function createTable(client: DynamoDBClient, name: string, shape: TableShape): Promise<string> {
  const keySchema: KeySchemaElement[] = [{ AttributeName: shape.partitionKey.name, KeyType: "HASH" }];
  const definitions: AttributeDefinition[] = [
    { AttributeName: shape.partitionKey.name, AttributeType: shape.partitionKey.type },
  ];
  if (shape.sortKey !== undefined) {
    keySchema.push({ AttributeName: shape.sortKey.name, KeyType: "RANGE" });
    definitions.push({ AttributeName: shape.sortKey.name, AttributeType: shape.sortKey.type });
  }
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: keySchema,
      AttributeDefinitions: definitions,
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await waitUntilActive(client, name);
  return name;
}

export async function waitUntilActive(client: DynamoDBClient, name: string): Promise<void> {
  const deadline = Date.now() + tableActiveTimeoutMs;
  while (Date.now() < deadline) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, tableStatusPollIntervalMs));
  }
  throw new Error(`table ${name} not ACTIVE after ${tableActiveTimeoutMs} ms`);
}

/** pk S only. */
export const hashTable: TableShape = { partitionKey: { name: "pk", type: "S" } };
/** pk S + sk N. */
export const hashRangeTable: TableShape = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "N" },
};
