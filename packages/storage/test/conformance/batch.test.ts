/**
 * Conformance of BatchGetItem and BatchWriteItem: up to 100 keys and 25 writes across tables, empty
 * UnprocessedKeys/UnprocessedItems, projections, and rejection (with nothing written) of oversized
 * batches, duplicate keys, bad keys and missing tables.
 *
 * DynamoDB Local words a put without its sort key "One of the required keys was not given a value"
 * where DynamoDB says "Missing the key sk in the item"; both are accepted.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  PutItemCommand,
  ScanCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashRangeTable, hashTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
let ranged: string;
let hashed: string;
beforeAll(async () => {
  target = await startTarget();
  ranged = await createTable(target.client, uniqueTableName("batch-r"), hashRangeTable);
  hashed = await createTable(target.client, uniqueTableName("batch-h"), hashTable);
});
afterAll(async () => {
  await target?.stop();
});

const key = (pk: string, sk: number) => ({ pk: { S: pk }, sk: { N: String(sk) } });
const put = (item: Record<string, AttributeValue>): WriteRequest => ({ PutRequest: { Item: item } });

async function itemsOf(table: string): Promise<string[]> {
  const { Items } = await target.client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (Items ?? []).map((item) => JSON.stringify(item, Object.keys(item).sort())).sort();
}

describe("BatchWriteItem", () => {
  it("writes 25 puts and deletes across two tables with nothing unprocessed", async () => {
    await target.client.send(new PutItemCommand({ TableName: hashed, Item: { pk: { S: "doomed" } } }));
    const writes: WriteRequest[] = [];
    for (let index = 0; index < 20; index++)
      writes.push(put({ ...key("w", index), v: { N: String(index) } }));
    const response = await target.client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [ranged]: writes,
          [hashed]: [
            put({ pk: { S: "a" } }),
            put({ pk: { S: "b" } }),
            put({ pk: { S: "c" } }),
            put({ pk: { S: "d" } }),
            { DeleteRequest: { Key: { pk: { S: "doomed" } } } },
          ],
        },
      }),
    );
    expect(response.UnprocessedItems ?? {}).toEqual({});
    const { Responses, UnprocessedKeys } = await target.client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [ranged]: { Keys: Array.from({ length: 20 }, (_, index) => key("w", index)), ConsistentRead: true },
          [hashed]: { Keys: ["a", "b", "c", "d", "doomed"].map((pk) => ({ pk: { S: pk } })) },
        },
      }),
    );
    expect(UnprocessedKeys ?? {}).toEqual({});
    expect(Responses?.[ranged]).toHaveLength(20);
    expect(Responses?.[hashed]?.map((item) => item.pk?.S).sort()).toEqual(["a", "b", "c", "d"]);
  });

  const rejected: Array<[string, () => Record<string, WriteRequest[]>, string | RegExp, string?]> = [
    [
      "26 writes",
      () => ({ [ranged]: Array.from({ length: 26 }, (_, index) => put(key("too-many", index))) }),
      "Too many items requested for the BatchWriteItem call",
    ],
    [
      "a put and a delete of the same key",
      () => ({ [ranged]: [put(key("dup", 1)), { DeleteRequest: { Key: key("dup", 1) } }] }),
      "Provided list of item keys contains duplicates",
    ],
    [
      "two puts of the same key",
      () => ({ [ranged]: [put(key("dup", 2)), put({ ...key("dup", 2), v: { S: "x" } })] }),
      "Provided list of item keys contains duplicates",
    ],
    [
      "two puts of the same number key spelled differently",
      () => ({ [ranged]: [put(key("dup", 3)), put({ pk: { S: "dup" }, sk: { N: "3.0" } })] }),
      "Provided list of item keys contains duplicates",
    ],
    ["no requests", () => ({}), "BatchWriteItem cannot have a null or no requests set"],
    [
      "a put without its sort key",
      () => ({ [ranged]: [put(key("ok", 1)), put({ pk: { S: "x" } })] }),
      /Missing the key sk in the item|One of the required keys was not given a value/,
    ],
    [
      "a missing table",
      () => ({
        [ranged]: [put(key("ok", 2))],
        [uniqueTableName("batch-missing")]: [put({ pk: { S: "x" } })],
      }),
      "",
      "ResourceNotFoundException",
    ],
  ];
  for (const [description, requestItems, message, name] of rejected) {
    it(`rejects ${description} and writes nothing`, async () => {
      const before = await itemsOf(ranged);
      await expectDynamoError(
        target.client.send(new BatchWriteItemCommand({ RequestItems: requestItems() })),
        name ?? "ValidationException",
        message,
      );
      expect(await itemsOf(ranged)).toEqual(before);
    });
  }
});

describe("BatchGetItem", () => {
  beforeAll(async () => {
    for (let start = 0; start < 100; start += 25) {
      await target.client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [ranged]: Array.from({ length: 25 }, (_, offset) =>
              put({ ...key("g", start + offset), v: { S: `value-${start + offset}` } }),
            ),
          },
        }),
      );
    }
  });

  it("reads 100 keys, skipping missing ones, with nothing unprocessed", async () => {
    const keys = Array.from({ length: 100 }, (_, index) => key("g", index < 95 ? index : 1000 + index));
    const { Responses, UnprocessedKeys } = await target.client.send(
      new BatchGetItemCommand({ RequestItems: { [ranged]: { Keys: keys } } }),
    );
    expect(UnprocessedKeys ?? {}).toEqual({});
    const found = Responses?.[ranged]?.map((item) => Number(item.sk?.N)).sort((a, b) => a - b);
    expect(found).toEqual(Array.from({ length: 95 }, (_, index) => index));
  });

  it("projects with ProjectionExpression and attribute names", async () => {
    const { Responses } = await target.client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [ranged]: {
            Keys: [key("g", 1)],
            ProjectionExpression: "#v",
            ExpressionAttributeNames: { "#v": "v" },
          },
        },
      }),
    );
    expect(Responses?.[ranged]).toEqual([{ v: { S: "value-1" } }]);
  });

  const rejected: Array<
    [string, () => Record<string, { Keys: Record<string, AttributeValue>[] }>, string | RegExp, string?]
  > = [
    [
      "101 keys",
      () => ({ [ranged]: { Keys: Array.from({ length: 101 }, (_, index) => key("g", index)) } }),
      "Too many items requested for the BatchGetItem call",
    ],
    [
      "duplicate keys",
      () => ({ [ranged]: { Keys: [key("g", 1), key("g", 1)] } }),
      "Provided list of item keys contains duplicates",
    ],
    [
      "an empty key list",
      () => ({ [ranged]: { Keys: [] } }),
      `The list of keys in RequestItems for BatchGetItem is required`,
    ],
    ["no tables", () => ({}), "BatchGetItem must have some requests set"],
    [
      "a key without its sort key",
      () => ({ [ranged]: { Keys: [{ pk: { S: "g" } }] } }),
      /The provided key element does not match the schema|The number of conditions on the keys is invalid/,
    ],
    [
      "a missing table",
      () => ({ [uniqueTableName("batch-missing")]: { Keys: [{ pk: { S: "g" } }] } }),
      "",
      "ResourceNotFoundException",
    ],
  ];
  for (const [description, requestItems, message, name] of rejected) {
    it(`rejects ${description}`, async () => {
      await expectDynamoError(
        target.client.send(new BatchGetItemCommand({ RequestItems: requestItems() })),
        name ?? "ValidationException",
        message,
      );
    });
  }
});
