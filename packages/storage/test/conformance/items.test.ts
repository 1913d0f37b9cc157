/**
 * Conformance of single-item operations: PutItem, GetItem, UpdateItem and DeleteItem with every
 * ReturnValues choice, ReturnValuesOnConditionCheckFailure, ConsistentRead and ProjectionExpression,
 * plus the key validation each of them performs. Every rejected write is followed by a read that shows
 * the item unchanged.
 *
 * Where DynamoDB Local words a key error differently from DynamoDB, the assertion accepts both
 * wordings (the regular expressions below name DynamoDB's first).
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type ReturnValue,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashRangeTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
let table: string;
beforeAll(async () => {
  target = await startTarget();
  table = await createTable(target.client, uniqueTableName("items"), hashRangeTable);
});
afterAll(async () => {
  await target?.stop();
});

const missingKeyMessage = /Missing the key|One of the required keys was not given a value/;
const keyMismatchMessage =
  /The provided key element does not match the schema|The number of conditions on the keys is invalid/;

let counter = 0;
function freshKey(): { pk: { S: string }; sk: { N: string } } {
  counter += 1;
  return { pk: { S: `item-${counter}` }, sk: { N: String(counter) } };
}

async function readItem(key: Record<string, unknown>) {
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }),
  );
  return Item;
}

describe("PutItem", () => {
  it("stores an item and replaces it whole on the next put", async () => {
    const key = freshKey();
    await target.client.send(
      new PutItemCommand({ TableName: table, Item: { ...key, a: { S: "1" }, b: { N: "2" } } }),
    );
    expect(await readItem(key)).toEqual({ ...key, a: { S: "1" }, b: { N: "2" } });
    const response = await target.client.send(
      new PutItemCommand({ TableName: table, Item: { ...key, c: { BOOL: true } } }),
    );
    expect(response.Attributes).toBeUndefined();
    expect(await readItem(key)).toEqual({ ...key, c: { BOOL: true } });
  });

  it("returns the replaced item with ReturnValues ALL_OLD, nothing for a new item", async () => {
    const key = freshKey();
    const first = await target.client.send(
      new PutItemCommand({ TableName: table, Item: { ...key, v: { S: "one" } }, ReturnValues: "ALL_OLD" }),
    );
    expect(first.Attributes).toBeUndefined();
    const second = await target.client.send(
      new PutItemCommand({ TableName: table, Item: { ...key, v: { S: "two" } }, ReturnValues: "ALL_OLD" }),
    );
    expect(second.Attributes).toEqual({ ...key, v: { S: "one" } });
    const none = await target.client.send(
      new PutItemCommand({ TableName: table, Item: { ...key, v: { S: "three" } }, ReturnValues: "NONE" }),
    );
    expect(none.Attributes).toBeUndefined();
  });

  for (const returnValues of ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"] as ReturnValue[]) {
    it(`rejects ReturnValues ${returnValues} and writes nothing`, async () => {
      const key = freshKey();
      await expectDynamoError(
        target.client.send(
          new PutItemCommand({ TableName: table, Item: { ...key }, ReturnValues: returnValues }),
        ),
        "ValidationException",
        "Return values set to invalid value",
      );
      expect(await readItem(key)).toBeUndefined();
    });
  }

  it("rejects an item without its sort key, with a wrongly typed key or an empty string key", async () => {
    const key = freshKey();
    await expectDynamoError(
      target.client.send(new PutItemCommand({ TableName: table, Item: { pk: key.pk, a: { S: "x" } } })),
      "ValidationException",
      missingKeyMessage,
    );
    await expectDynamoError(
      target.client.send(new PutItemCommand({ TableName: table, Item: { pk: key.pk, sk: { S: "1" } } })),
      "ValidationException",
      "One or more parameter values were invalid: Type mismatch for key",
    );
    await expectDynamoError(
      target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "" }, sk: key.sk } })),
      "ValidationException",
      "The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
    );
    expect(await readItem(key)).toBeUndefined();
  });

  it("fails a condition with ConditionalCheckFailedException, returning the item only when asked", async () => {
    const key = freshKey();
    const original = { ...key, v: { S: "original" } };
    await target.client.send(new PutItemCommand({ TableName: table, Item: original }));
    const plain = await expectDynamoError(
      target.client.send(
        new PutItemCommand({
          TableName: table,
          Item: { ...key, v: { S: "replaced" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
      "ConditionalCheckFailedException",
      "The conditional request failed",
    );
    expect(plain.Item).toBeUndefined();
    const withItem = await expectDynamoError(
      target.client.send(
        new PutItemCommand({
          TableName: table,
          Item: { ...key, v: { S: "replaced" } },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
      "ConditionalCheckFailedException",
    );
    expect(withItem.Item).toEqual(original);
    expect(await readItem(key)).toEqual(original);
  });

  it("rejects an operation on a missing table with ResourceNotFoundException", async () => {
    await expectDynamoError(
      target.client.send(
        new PutItemCommand({ TableName: uniqueTableName("items-missing"), Item: { pk: { S: "a" } } }),
      ),
      "ResourceNotFoundException",
    );
  });

  it("rejects mixing the legacy Expected with ConditionExpression", async () => {
    const key = freshKey();
    await expectDynamoError(
      target.client.send(
        new PutItemCommand({
          TableName: table,
          Item: key,
          Expected: { pk: { Exists: false } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
      "ValidationException",
      "Can not use both expression and non-expression parameters in the same request",
    );
    expect(await readItem(key)).toBeUndefined();
  });
});

describe("GetItem", () => {
  it("reads with and without ConsistentRead and returns nothing for a missing item", async () => {
    const key = freshKey();
    await target.client.send(new PutItemCommand({ TableName: table, Item: { ...key, a: { S: "x" } } }));
    for (const ConsistentRead of [true, false, undefined]) {
      const { Item } = await target.client.send(
        new GetItemCommand({ TableName: table, Key: key, ConsistentRead }),
      );
      expect(Item).toEqual({ ...key, a: { S: "x" } });
    }
    const missing = await target.client.send(new GetItemCommand({ TableName: table, Key: freshKey() }));
    expect(missing.Item).toBeUndefined();
  });

  it("projects top-level, nested and indexed paths, with attribute names", async () => {
    const key = freshKey();
    await target.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          ...key,
          name: { S: "reserved word as attribute" },
          top: { S: "t" },
          doc: { M: { nest1: { M: { deep: { N: "1" }, other: { N: "2" } } }, side: { S: "s" } } },
          arr: { L: [{ S: "zero" }, { M: { x: { N: "10" }, y: { N: "11" } } }, { S: "two" }] },
          "dotted.name": { S: "d" },
        },
      }),
    );
    const { Item } = await target.client.send(
      new GetItemCommand({
        TableName: table,
        Key: key,
        ProjectionExpression: "top, #n, doc.nest1.deep, arr[1].y, arr[2], #dotted, absent",
        ExpressionAttributeNames: { "#n": "name", "#dotted": "dotted.name" },
      }),
    );
    expect(Item).toEqual({
      top: { S: "t" },
      name: { S: "reserved word as attribute" },
      doc: { M: { nest1: { M: { deep: { N: "1" } } } } },
      arr: { L: [{ M: { y: { N: "11" } } }, { S: "two" }] },
      "dotted.name": { S: "d" },
    });
    const keysOnly = await target.client.send(
      new GetItemCommand({ TableName: table, Key: key, ProjectionExpression: "pk, sk" }),
    );
    expect(keysOnly.Item).toEqual(key);
  });

  const badProjections: Array<[string, string, Record<string, string> | undefined, string]> = [
    ["the same path twice", "top, top", undefined, "Two document paths overlap with each other"],
    ["overlapping paths", "doc, doc.nest1", undefined, "Two document paths overlap with each other"],
    [
      "an undefined attribute name",
      "#n",
      undefined,
      "An expression attribute name used in the document path is not defined; attribute name: #n",
    ],
    [
      "an unused attribute name",
      "top",
      { "#n": "x" },
      "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}",
    ],
    ["a reserved word", "name", undefined, "Attribute name is a reserved keyword; reserved keyword: name"],
    ["a syntax error", "top,, x", undefined, "Invalid ProjectionExpression: Syntax error"],
  ];
  for (const [description, expression, names, message] of badProjections) {
    it(`rejects a projection with ${description}`, async () => {
      await expectDynamoError(
        target.client.send(
          new GetItemCommand({
            TableName: table,
            Key: freshKey(),
            ProjectionExpression: expression,
            ExpressionAttributeNames: names,
          }),
        ),
        "ValidationException",
        message,
      );
    });
  }

  it("rejects keys that do not match the schema", async () => {
    const key = freshKey();
    await expectDynamoError(
      target.client.send(new GetItemCommand({ TableName: table, Key: { pk: key.pk } })),
      "ValidationException",
      keyMismatchMessage,
    );
    await expectDynamoError(
      target.client.send(new GetItemCommand({ TableName: table, Key: { ...key, extra: { S: "x" } } })),
      "ValidationException",
      keyMismatchMessage,
    );
    await expectDynamoError(
      target.client.send(new GetItemCommand({ TableName: table, Key: { pk: key.pk, sk: { S: "1" } } })),
      "ValidationException",
      /The provided key element does not match the schema|Type mismatch for key/,
    );
  });
});

describe("UpdateItem", () => {
  const before = { a: { N: "1" }, b: { S: "keep" }, c: { S: "gone" } };
  const cases: Array<[ReturnValue, (key: object) => Record<string, unknown> | undefined]> = [
    ["NONE", () => undefined],
    ["ALL_OLD", (key) => ({ ...key, ...before })],
    ["UPDATED_OLD", () => ({ a: { N: "1" }, c: { S: "gone" } })],
    ["ALL_NEW", (key) => ({ ...key, a: { N: "2" }, b: { S: "keep" }, d: { S: "new" } })],
    ["UPDATED_NEW", () => ({ a: { N: "2" }, d: { S: "new" } })],
  ];
  for (const [returnValues, expected] of cases) {
    it(`returns ${returnValues}`, async () => {
      const key = freshKey();
      await target.client.send(new PutItemCommand({ TableName: table, Item: { ...key, ...before } }));
      const response = await target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: "SET a = a + :one, d = :d REMOVE c",
          ExpressionAttributeValues: { ":one": { N: "1" }, ":d": { S: "new" } },
          ReturnValues: returnValues,
        }),
      );
      expect(response.Attributes).toEqual(expected(key));
      expect(await readItem(key)).toEqual({ ...key, a: { N: "2" }, b: { S: "keep" }, d: { S: "new" } });
    });
  }

  it("creates a missing item from the key plus the update (upsert)", async () => {
    const key = freshKey();
    const response = await target.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key,
        UpdateExpression: "SET v = :v",
        ExpressionAttributeValues: { ":v": { S: "x" } },
        ReturnValues: "ALL_NEW",
      }),
    );
    expect(response.Attributes).toEqual({ ...key, v: { S: "x" } });
    const removeOnly = freshKey();
    const created = await target.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: removeOnly,
        UpdateExpression: "REMOVE x",
        ReturnValues: "ALL_NEW",
      }),
    );
    expect(created.Attributes).toEqual(removeOnly);
    expect(await readItem(removeOnly)).toEqual(removeOnly);
  });

  it("rejects updating a key attribute and changes nothing", async () => {
    const key = freshKey();
    await target.client.send(new PutItemCommand({ TableName: table, Item: { ...key, v: { S: "x" } } }));
    await expectDynamoError(
      target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: "SET pk = :v, v = :v",
          ExpressionAttributeValues: { ":v": { S: "y" } },
        }),
      ),
      "ValidationException",
      "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
    );
    expect(await readItem(key)).toEqual({ ...key, v: { S: "x" } });
  });

  it("returns the old item on a failed condition when ReturnValuesOnConditionCheckFailure is ALL_OLD", async () => {
    const key = freshKey();
    const original = { ...key, v: { S: "x" } };
    await target.client.send(new PutItemCommand({ TableName: table, Item: original }));
    const error = await expectDynamoError(
      target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: "SET v = :new",
          ConditionExpression: "v = :expected",
          ExpressionAttributeValues: { ":new": { S: "y" }, ":expected": { S: "not x" } },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
      "ConditionalCheckFailedException",
      "The conditional request failed",
    );
    expect(error.Item).toEqual(original);
    expect(await readItem(key)).toEqual(original);
  });

  it("rejects an unknown ReturnValues and mixing AttributeUpdates with UpdateExpression", async () => {
    const key = freshKey();
    await expectDynamoError(
      target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: "SET v = :v",
          ExpressionAttributeValues: { ":v": { S: "y" } },
          ReturnValues: "BOGUS" as ReturnValue,
        }),
      ),
      "ValidationException",
    );
    await expectDynamoError(
      target.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          AttributeUpdates: { v: { Action: "PUT", Value: { S: "y" } } },
          UpdateExpression: "SET v = :v",
          ExpressionAttributeValues: { ":v": { S: "y" } },
        }),
      ),
      "ValidationException",
      "Can not use both expression and non-expression parameters in the same request",
    );
    expect(await readItem(key)).toBeUndefined();
  });
});

describe("DeleteItem", () => {
  it("deletes, returning the old item with ALL_OLD; deleting a missing item succeeds", async () => {
    const key = freshKey();
    await target.client.send(new PutItemCommand({ TableName: table, Item: { ...key, v: { S: "x" } } }));
    const response = await target.client.send(
      new DeleteItemCommand({ TableName: table, Key: key, ReturnValues: "ALL_OLD" }),
    );
    expect(response.Attributes).toEqual({ ...key, v: { S: "x" } });
    expect(await readItem(key)).toBeUndefined();
    const again = await target.client.send(
      new DeleteItemCommand({ TableName: table, Key: key, ReturnValues: "ALL_OLD" }),
    );
    expect(again.Attributes).toBeUndefined();
  });

  it("keeps the item when the condition fails, returning it when asked", async () => {
    const key = freshKey();
    const original = { ...key, v: { S: "x" } };
    await target.client.send(new PutItemCommand({ TableName: table, Item: original }));
    const error = await expectDynamoError(
      target.client.send(
        new DeleteItemCommand({
          TableName: table,
          Key: key,
          ConditionExpression: "attribute_not_exists(v)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
      "ConditionalCheckFailedException",
    );
    expect(error.Item).toEqual(original);
    expect(await readItem(key)).toEqual(original);
  });

  it("rejects ReturnValues other than NONE and ALL_OLD and deletes nothing", async () => {
    const key = freshKey();
    await target.client.send(new PutItemCommand({ TableName: table, Item: key }));
    for (const returnValues of ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"] as ReturnValue[]) {
      await expectDynamoError(
        target.client.send(new DeleteItemCommand({ TableName: table, Key: key, ReturnValues: returnValues })),
        "ValidationException",
        "Return values set to invalid value",
      );
    }
    await expectDynamoError(
      target.client.send(new DeleteItemCommand({ TableName: table, Key: { pk: key.pk } })),
      "ValidationException",
      keyMismatchMessage,
    );
    expect(await readItem(key)).toEqual(key);
  });
});
