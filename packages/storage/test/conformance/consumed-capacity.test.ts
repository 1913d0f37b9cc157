/**
 * Conformance of ReturnConsumedCapacity: units follow from item sizes — reads in 4 KB units (halved
 * when eventually consistent), writes in 1 KB units of the larger of the old and new item,
 * transactions at twice the price — and INDEXES adds the per-table breakdown.
 *
 * Item sizes here are exact: in a table keyed by `pk` (S), the item {pk: "k", f: <n bytes>} has
 * 2 + 1 + 1 + n bytes (attribute names plus UTF-8 values).
 */
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTable, hashRangeTable, hashTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
let table: string;
let ranged: string;
beforeAll(async () => {
  target = await startTarget();
  table = await createTable(target.client, uniqueTableName("capacity"), hashTable);
  ranged = await createTable(target.client, uniqueTableName("capacity-r"), hashRangeTable);
});
afterAll(async () => {
  await target?.stop();
});

/** An item of exactly `sizeBytes` bytes under key `pk` (a one-character key). */
function itemOfSize(pk: string, sizeBytes: number) {
  return { pk: { S: pk }, f: { S: "x".repeat(sizeBytes - 4) } };
}

async function putUnits(item: ReturnType<typeof itemOfSize>): Promise<number | undefined> {
  const { ConsumedCapacity } = await target.client.send(
    new PutItemCommand({ TableName: table, Item: item, ReturnConsumedCapacity: "TOTAL" }),
  );
  expect(ConsumedCapacity?.TableName).toBe(table);
  return ConsumedCapacity?.CapacityUnits;
}

describe("writes", () => {
  it("charges one unit per started KB of the item", async () => {
    expect(await putUnits(itemOfSize("a", 1024))).toBe(1);
    expect(await putUnits(itemOfSize("b", 1025))).toBe(2);
    expect(await putUnits(itemOfSize("c", 5000))).toBe(5);
  });

  it("counts UTF-8 bytes of names and values", async () => {
    const twoByteCharacters = { pk: { S: "d" }, f: { S: "é".repeat(510) } };
    expect(await putUnits(twoByteCharacters)).toBe(1);
    const oneMore = { pk: { S: "e" }, f: { S: "é".repeat(511) } };
    expect(await putUnits(oneMore)).toBe(2);
  });

  it("charges the larger of the old and the new item", async () => {
    await putUnits(itemOfSize("g", 5000));
    expect(await putUnits(itemOfSize("g", 100))).toBe(5);
    expect(await putUnits(itemOfSize("g", 100))).toBe(1);
    const update = await target.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: "g" } },
        UpdateExpression: "SET f = :f",
        ExpressionAttributeValues: { ":f": { S: "y".repeat(3000) } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(update.ConsumedCapacity?.CapacityUnits).toBe(3);
    const deleted = await target.client.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: "g" } }, ReturnConsumedCapacity: "TOTAL" }),
    );
    expect(deleted.ConsumedCapacity?.CapacityUnits).toBe(3);
    const deletedAgain = await target.client.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: "g" } }, ReturnConsumedCapacity: "TOTAL" }),
    );
    expect(deletedAgain.ConsumedCapacity?.CapacityUnits).toBe(1);
  });

  it("adds the table breakdown with INDEXES and omits capacity with NONE", async () => {
    const indexes = await target.client.send(
      new PutItemCommand({
        TableName: table,
        Item: itemOfSize("h", 2000),
        ReturnConsumedCapacity: "INDEXES",
      }),
    );
    expect(indexes.ConsumedCapacity).toMatchObject({
      TableName: table,
      CapacityUnits: 2,
      Table: { CapacityUnits: 2 },
    });
    const none = await target.client.send(
      new PutItemCommand({ TableName: table, Item: itemOfSize("h", 2000), ReturnConsumedCapacity: "NONE" }),
    );
    expect(none.ConsumedCapacity).toBeUndefined();
  });
});

describe("reads", () => {
  beforeAll(async () => {
    await putUnits(itemOfSize("r", 5000));
  });

  it("charges 4 KB units, halved for eventually consistent reads, whatever is projected", async () => {
    const read = async (consistent: boolean, projection?: string) => {
      const { ConsumedCapacity } = await target.client.send(
        new GetItemCommand({
          TableName: table,
          Key: { pk: { S: "r" } },
          ConsistentRead: consistent,
          ProjectionExpression: projection,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      return ConsumedCapacity?.CapacityUnits;
    };
    expect(await read(true)).toBe(2);
    expect(await read(false)).toBe(1);
    expect(await read(true, "pk")).toBe(2);
  });

  it("charges half a unit for reading a missing item", async () => {
    const { ConsumedCapacity } = await target.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: "absent" } }, ReturnConsumedCapacity: "TOTAL" }),
    );
    expect(ConsumedCapacity?.CapacityUnits).toBe(0.5);
  });

  it("adds the table breakdown to a read with INDEXES", async () => {
    const { ConsumedCapacity } = await target.client.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: "r" } },
        ConsistentRead: true,
        ReturnConsumedCapacity: "INDEXES",
      }),
    );
    expect(ConsumedCapacity).toMatchObject({
      TableName: table,
      CapacityUnits: 2,
      Table: { CapacityUnits: 2 },
    });
  });

  it("charges a query for the summed size of the items it read", async () => {
    for (const sk of ["1", "2", "3"]) {
      await target.client.send(
        new PutItemCommand({
          TableName: ranged,
          Item: { pk: { S: "q" }, sk: { N: sk }, f: { S: "x".repeat(5000) } },
        }),
      );
    }
    const query = async (consistent: boolean) => {
      const { ConsumedCapacity, Count } = await target.client.send(
        new QueryCommand({
          TableName: ranged,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: "q" } },
          ConsistentRead: consistent,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      expect(Count).toBe(3);
      return ConsumedCapacity?.CapacityUnits;
    };
    // Three items of about 5 KB: 15 KB is four 4 KB units, not three times two.
    expect(await query(true)).toBe(4);
    expect(await query(false)).toBe(2);
  });

  it("charges a batch get per item", async () => {
    await putUnits(itemOfSize("s", 100));
    const { ConsumedCapacity } = await target.client.send(
      new BatchGetItemCommand({
        RequestItems: { [table]: { Keys: [{ pk: { S: "r" } }, { pk: { S: "s" } }] } },
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(ConsumedCapacity).toEqual([expect.objectContaining({ TableName: table, CapacityUnits: 1.5 })]);
  });
});

describe("transactions", () => {
  it("charges transactional reads twice a consistent read", async () => {
    await putUnits(itemOfSize("t", 5000));
    const { ConsumedCapacity } = await target.client.send(
      new TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: table, Key: { pk: { S: "t" } } } }],
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    expect(ConsumedCapacity).toEqual([expect.objectContaining({ TableName: table, CapacityUnits: 4 })]);
  });

  it("charges transactional writes twice a plain write", async () => {
    const { ConsumedCapacity } = await target.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: table, Item: itemOfSize("u", 1000) } }],
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    // DynamoDB charges 2 units per KB written in a transaction; DynamoDB Local charges 4.
    const expected = target.kind === "dynamodb-local" ? 4 : 2;
    expect(ConsumedCapacity).toEqual([
      expect.objectContaining({ TableName: table, CapacityUnits: expected }),
    ]);
  });
});
