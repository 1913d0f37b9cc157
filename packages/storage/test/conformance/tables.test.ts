/**
 * Conformance of table management: CreateTable, DescribeTable, ListTables with pagination, UpdateTable
 * for the billing mode, DeleteTable, and the errors each of them gives for bad input.
 *
 * DynamoDB Local words ResourceNotFoundException and ResourceInUseException differently from DynamoDB
 * ("Cannot do operations on a non-existent table" against "Requested resource not found"), so those
 * are compared by name only.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashRangeTable, hashTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target?.stop();
});

function tableInput(name: string, overrides: Partial<CreateTableCommandInput> = {}): CreateTableCommandInput {
  return {
    TableName: name,
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    BillingMode: "PAY_PER_REQUEST",
    ...overrides,
  };
}

async function tableExists(name: string): Promise<boolean> {
  try {
    await target.client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return false;
    throw error;
  }
}

describe("CreateTable and DescribeTable", () => {
  it("creates a hash-and-range table and describes it", async () => {
    const name = uniqueTableName("tables-create");
    const created = await target.client.send(
      new CreateTableCommand(
        tableInput(name, {
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "N" },
          ],
        }),
      ),
    );
    expect(created.TableDescription).toMatchObject({
      TableName: name,
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingModeSummary: { BillingMode: "PAY_PER_REQUEST" },
    });
    expect(["CREATING", "ACTIVE"]).toContain(created.TableDescription?.TableStatus);
    expect(created.TableDescription?.TableArn).toMatch(/^arn:aws:dynamodb:[^:]+:\d+:table\//);
    expect(created.TableDescription?.TableArn?.endsWith(`:table/${name}`)).toBe(true);
    expect(created.TableDescription?.CreationDateTime).toBeInstanceOf(Date);

    const { Table } = await target.client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table).toMatchObject({
      TableName: name,
      ItemCount: 0,
      TableSizeBytes: 0,
      AttributeDefinitions: expect.arrayContaining([
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
      ]),
    });
    expect(Table?.AttributeDefinitions).toHaveLength(2);
  });

  it("creates a provisioned table and reports its throughput", async () => {
    const name = uniqueTableName("tables-provisioned");
    await target.client.send(
      new CreateTableCommand(
        tableInput(name, {
          BillingMode: "PROVISIONED",
          ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 },
        }),
      ),
    );
    const { Table } = await target.client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
  });

  it("rejects a second table of the same name with ResourceInUseException and keeps the first", async () => {
    const name = await createTable(target.client, uniqueTableName("tables-dup"), hashTable);
    await target.client.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "kept" } } }));
    await expectDynamoError(
      target.client.send(
        new CreateTableCommand(
          tableInput(name, {
            KeySchema: [{ AttributeName: "other", KeyType: "HASH" }],
            AttributeDefinitions: [{ AttributeName: "other", AttributeType: "N" }],
          }),
        ),
      ),
      "ResourceInUseException",
    );
    const { Table } = await target.client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
    const { Item } = await target.client.send(
      new GetItemCommand({ TableName: name, Key: { pk: { S: "kept" } } }),
    );
    expect(Item).toEqual({ pk: { S: "kept" } });
  });

  const badSchemas: Array<[string, Partial<CreateTableCommandInput>, string]> = [
    [
      "an attribute definition not used by the key schema",
      {
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "x", AttributeType: "S" },
        ],
      },
      "The number of attributes in key schema must match the number of attributes defined in attribute definitions.",
    ],
    [
      "a hash key missing from the attribute definitions",
      { AttributeDefinitions: [{ AttributeName: "zz", AttributeType: "S" }] },
      "Hash Key not specified in Attribute Definitions.  Type unknown.",
    ],
    [
      "a key schema with no hash key",
      { KeySchema: [{ AttributeName: "pk", KeyType: "RANGE" }] },
      "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key",
    ],
    [
      "an empty key schema",
      { KeySchema: [], AttributeDefinitions: [] },
      "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key",
    ],
    [
      "two hash keys",
      {
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "pk", KeyType: "HASH" },
        ],
      },
      "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key",
    ],
    [
      "a key attribute of a type keys may not have",
      { AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "BOOL" as "S" }] },
      "Member must satisfy enum value set: [B, N, S]",
    ],
    [
      "provisioned billing without throughput",
      { BillingMode: undefined },
      "No provisioned throughput specified for the table",
    ],
  ];
  for (const [description, overrides, message] of badSchemas) {
    it(`rejects ${description} with ValidationException and creates nothing`, async () => {
      const name = uniqueTableName("tables-bad");
      await expectDynamoError(
        target.client.send(new CreateTableCommand(tableInput(name, overrides))),
        "ValidationException",
        message,
      );
      expect(await tableExists(name)).toBe(false);
    });
  }

  it("rejects table names that are too short, too long or use other characters", async () => {
    const message =
      "Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'";
    for (const name of ["ab", "x".repeat(256), "has space", "slash/name"]) {
      await expectDynamoError(
        target.client.send(new CreateTableCommand(tableInput(name))),
        "ValidationException",
        message,
      );
    }
    await expectDynamoError(
      target.client.send(new DescribeTableCommand({ TableName: "ab" })),
      "ValidationException",
      message,
    );
  });

  it("describes a missing table with ResourceNotFoundException", async () => {
    await expectDynamoError(
      target.client.send(new DescribeTableCommand({ TableName: uniqueTableName("tables-missing") })),
      "ResourceNotFoundException",
    );
  });
});

describe("ListTables", () => {
  it("pages through every table in name order with Limit and ExclusiveStartTableName", async () => {
    const prefix = uniqueTableName("tables-list");
    const names = ["c", "a", "e", "b", "d"].map((suffix) => `${prefix}-${suffix}`);
    for (const name of names) await createTable(target.client, name, hashTable);

    const seen: string[] = [];
    let start: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const response = await target.client.send(
        new ListTablesCommand({ Limit: 2, ExclusiveStartTableName: start }),
      );
      expect(response.TableNames?.length).toBeLessThanOrEqual(2);
      seen.push(...(response.TableNames ?? []));
      start = response.LastEvaluatedTableName;
      if (start === undefined) break;
      expect(start).toBe(response.TableNames?.at(-1));
    }
    expect(start).toBeUndefined();
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((name) => name.startsWith(prefix))).toEqual([...names].sort());
  });

  it("starts after ExclusiveStartTableName even when that table does not exist", async () => {
    const prefix = uniqueTableName("tables-after");
    await createTable(target.client, `${prefix}-b`, hashTable);
    const { TableNames } = await target.client.send(
      new ListTablesCommand({ ExclusiveStartTableName: `${prefix}-a` }),
    );
    expect(TableNames?.[0]).toBe(`${prefix}-b`);
  });

  it("rejects Limit outside 1..100", async () => {
    await expectDynamoError(
      target.client.send(new ListTablesCommand({ Limit: 0 })),
      "ValidationException",
      "Limit must be greater than or equal to 1",
    );
    await expectDynamoError(
      target.client.send(new ListTablesCommand({ Limit: 101 })),
      "ValidationException",
      "100",
    );
  });
});

describe("UpdateTable", () => {
  it("switches the billing mode both ways", async () => {
    const name = await createTable(target.client, uniqueTableName("tables-billing"), hashTable);
    const toProvisioned = await target.client.send(
      new UpdateTableCommand({
        TableName: name,
        BillingMode: "PROVISIONED",
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 7 },
      }),
    );
    expect(toProvisioned.TableDescription?.TableName).toBe(name);
    const provisioned = await target.client.send(new DescribeTableCommand({ TableName: name }));
    expect(provisioned.Table?.BillingModeSummary?.BillingMode).toBe("PROVISIONED");
    expect(provisioned.Table?.ProvisionedThroughput).toMatchObject({
      ReadCapacityUnits: 5,
      WriteCapacityUnits: 7,
    });

    await target.client.send(new UpdateTableCommand({ TableName: name, BillingMode: "PAY_PER_REQUEST" }));
    const onDemand = await target.client.send(new DescribeTableCommand({ TableName: name }));
    expect(onDemand.Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
  });

  it("updates a missing table with ResourceNotFoundException", async () => {
    await expectDynamoError(
      target.client.send(
        new UpdateTableCommand({
          TableName: uniqueTableName("tables-missing"),
          BillingMode: "PAY_PER_REQUEST",
        }),
      ),
      "ResourceNotFoundException",
    );
  });
});

describe("DeleteTable", () => {
  it("deletes a table with its items; the name is then free again", async () => {
    const name = await createTable(target.client, uniqueTableName("tables-delete"), hashRangeTable);
    await target.client.send(
      new PutItemCommand({ TableName: name, Item: { pk: { S: "a" }, sk: { N: "1" } } }),
    );
    const deleted = await target.client.send(new DeleteTableCommand({ TableName: name }));
    // DynamoDB reports DELETING; DynamoDB Local deletes at once and reports the last status, ACTIVE.
    expect(deleted.TableDescription?.TableName).toBe(name);
    expect(await tableExists(name)).toBe(false);
    await expectDynamoError(
      target.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "a" }, sk: { N: "1" } } })),
      "ResourceNotFoundException",
    );
    const { TableNames } = await target.client.send(new ListTablesCommand({}));
    expect(TableNames).not.toContain(name);

    await createTable(target.client, name, hashRangeTable);
    const { Item } = await target.client.send(
      new GetItemCommand({ TableName: name, Key: { pk: { S: "a" }, sk: { N: "1" } } }),
    );
    expect(Item).toBeUndefined();
  });

  it("deletes a missing table with ResourceNotFoundException", async () => {
    await expectDynamoError(
      target.client.send(new DeleteTableCommand({ TableName: uniqueTableName("tables-missing") })),
      "ResourceNotFoundException",
    );
  });
});
