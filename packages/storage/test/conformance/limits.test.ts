/**
 * Conformance of size limits: items up to 400 KB (409,600 bytes) are stored and larger ones rejected,
 * whether put, updated or batch-written; partition keys up to 2048 bytes and sort keys up to 1024
 * bytes. Each rejection is a ValidationException and leaves the stored item as it was.
 *
 * DynamoDB reports an oversized key as "One or more parameter values were invalid: Size of hashkey has
 * exceeded the maximum size limit of 2048 bytes" (or "Aggregated size of all range keys has exceeded
 * the size limit of 1024 bytes"); DynamoDB Local says "Hash primary key values must be under 2048
 * bytes, and range primary key values must be under 1024 bytes". Both are accepted.
 */
import {
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

const maxItemBytes = 409_600;
const partitionKeyMessage =
  /Size of hashkey has exceeded the maximum size limit of 2048 bytes|Hash primary key values must be under 2048 bytes/;
const sortKeyMessage =
  /Aggregated size of all range keys has exceeded the size limit of 1024 bytes|range primary key values must be under 1024 bytes/;

let target: Target;
let table: string;
let stringSorted: string;
let binaryKeyed: string;
beforeAll(async () => {
  target = await startTarget();
  table = await createTable(target.client, uniqueTableName("limits"), hashTable);
  stringSorted = await createTable(target.client, uniqueTableName("limits-s"), {
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
  });
  binaryKeyed = await createTable(target.client, uniqueTableName("limits-b"), {
    partitionKey: { name: "pk", type: "B" },
  });
});
afterAll(async () => {
  await target?.stop();
});

/** {pk: <one character>, f: …} of exactly `sizeBytes` bytes. */
function itemOfSize(pk: string, sizeBytes: number) {
  return { pk: { S: pk }, f: { S: "x".repeat(sizeBytes - 4) } };
}

async function read(pk: string) {
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return Item;
}

describe("item size", () => {
  it("stores an item of exactly 400 KB and rejects one byte more, keeping the old item", async () => {
    await target.client.send(new PutItemCommand({ TableName: table, Item: itemOfSize("a", maxItemBytes) }));
    expect((await read("a"))?.f?.S?.length).toBe(maxItemBytes - 4);
    await expectDynamoError(
      target.client.send(new PutItemCommand({ TableName: table, Item: itemOfSize("a", maxItemBytes + 1) })),
      "ValidationException",
      "Item size has exceeded the maximum allowed size",
    );
    expect((await read("a"))?.f?.S?.length).toBe(maxItemBytes - 4);
  });

  it("rejects an update that would grow the item past 400 KB", async () => {
    await target.client.send(
      new PutItemCommand({ TableName: table, Item: itemOfSize("b", maxItemBytes - 10) }),
    );
    await expectDynamoError(
      target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: "b" } },
          UpdateExpression: "SET g = :g",
          ExpressionAttributeValues: { ":g": { S: "x".repeat(20) } },
        }),
      ),
      "ValidationException",
      "Item size to update has exceeded the maximum allowed size",
    );
    const item = await read("b");
    expect(item?.g).toBeUndefined();
    expect(item?.f?.S?.length).toBe(maxItemBytes - 14);
  });

  it("rejects a batch holding one oversized item and writes none of it", async () => {
    await expectDynamoError(
      target.client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: [
              { PutRequest: { Item: itemOfSize("c", 10) } },
              { PutRequest: { Item: itemOfSize("d", maxItemBytes + 1) } },
            ],
          },
        }),
      ),
      "ValidationException",
      "Item size has exceeded the maximum allowed size",
    );
    expect(await read("c")).toBeUndefined();
    expect(await read("d")).toBeUndefined();
  });
});

describe("key size", () => {
  it("accepts a 2048-byte partition key and rejects 2049 bytes", async () => {
    await target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "k".repeat(2048) } } }));
    await expectDynamoError(
      target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "k".repeat(2049) } } })),
      "ValidationException",
      partitionKeyMessage,
    );
    await expectDynamoError(
      target.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "k".repeat(2049) } } })),
      "ValidationException",
      partitionKeyMessage,
    );
  });

  it("measures key size in UTF-8 bytes", async () => {
    await target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "é".repeat(1024) } } }));
    await expectDynamoError(
      target.client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: `${"é".repeat(1024)}x` } } }),
      ),
      "ValidationException",
      partitionKeyMessage,
    );
  });

  it("accepts a 1024-byte sort key and rejects 1025 bytes", async () => {
    await target.client.send(
      new PutItemCommand({ TableName: stringSorted, Item: { pk: { S: "p" }, sk: { S: "s".repeat(1024) } } }),
    );
    await expectDynamoError(
      target.client.send(
        new PutItemCommand({
          TableName: stringSorted,
          Item: { pk: { S: "p" }, sk: { S: "s".repeat(1025) } },
        }),
      ),
      "ValidationException",
      sortKeyMessage,
    );
    const { Item } = await target.client.send(
      new GetItemCommand({ TableName: stringSorted, Key: { pk: { S: "p" }, sk: { S: "s".repeat(1024) } } }),
    );
    expect(Item?.sk?.S?.length).toBe(1024);
  });

  it("limits binary keys by their decoded bytes", async () => {
    await target.client.send(
      new PutItemCommand({ TableName: binaryKeyed, Item: { pk: { B: new Uint8Array(2048).fill(7) } } }),
    );
    await expectDynamoError(
      target.client.send(
        new PutItemCommand({ TableName: binaryKeyed, Item: { pk: { B: new Uint8Array(2049).fill(7) } } }),
      ),
      "ValidationException",
      partitionKeyMessage,
    );
  });
});
