/**
 * Conformance of TransactWriteItems and TransactGetItems: all-or-nothing writes of Put, Update,
 * Delete and ConditionCheck, cancellation with one CancellationReasons entry per action, rejection of
 * two actions on one item and of more than 100 actions, optional idempotency tokens, and consistent
 * multi-item reads.
 */
import {
  type AttributeValue,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
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
  ranged = await createTable(target.client, uniqueTableName("tx-r"), hashRangeTable);
  hashed = await createTable(target.client, uniqueTableName("tx-h"), hashTable);
});
afterAll(async () => {
  await target?.stop();
});

let counter = 0;
function freshKey(): { pk: AttributeValue; sk: AttributeValue } {
  counter += 1;
  return { pk: { S: `tx-${counter}` }, sk: { N: String(counter) } };
}

async function read(table: string, key: Record<string, AttributeValue>) {
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return Item;
}

describe("TransactWriteItems", () => {
  it("applies Put, Update, Delete and ConditionCheck together, across tables", async () => {
    const [a, b, c, d] = [freshKey(), freshKey(), freshKey(), freshKey()];
    await target.client.send(new PutItemCommand({ TableName: ranged, Item: { ...b, n: { N: "1" } } }));
    await target.client.send(new PutItemCommand({ TableName: ranged, Item: c }));
    await target.client.send(
      new PutItemCommand({ TableName: ranged, Item: { ...d, guard: { BOOL: true } } }),
    );
    const response = await target.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: ranged,
              Item: { ...a, v: { S: "new" } },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Update: {
              TableName: ranged,
              Key: b,
              UpdateExpression: "SET n = n + :one",
              ExpressionAttributeValues: { ":one": { N: "1" } },
            },
          },
          { Delete: { TableName: ranged, Key: c, ConditionExpression: "attribute_exists(pk)" } },
          {
            ConditionCheck: {
              TableName: ranged,
              Key: d,
              ConditionExpression: "guard = :yes",
              ExpressionAttributeValues: { ":yes": { BOOL: true } },
            },
          },
          { Put: { TableName: hashed, Item: { pk: a.pk, other: { S: "table" } } } },
        ],
      }),
    );
    expect(response.$metadata.httpStatusCode).toBe(200);
    expect(await read(ranged, a)).toEqual({ ...a, v: { S: "new" } });
    expect(await read(ranged, b)).toEqual({ ...b, n: { N: "2" } });
    expect(await read(ranged, c)).toBeUndefined();
    expect(await read(ranged, d)).toEqual({ ...d, guard: { BOOL: true } });
    expect(await read(hashed, { pk: a.pk })).toEqual({ pk: a.pk, other: { S: "table" } });
  });

  it("cancels everything when one condition fails, with a reason per action", async () => {
    const [a, b, c] = [freshKey(), freshKey(), freshKey()];
    await target.client.send(new PutItemCommand({ TableName: ranged, Item: { ...b, n: { N: "1" } } }));
    await target.client.send(new PutItemCommand({ TableName: ranged, Item: { ...c, n: { N: "1" } } }));
    const error = await expectDynamoError(
      target.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: ranged, Item: { ...a, v: { S: "never" } } } },
            {
              Update: {
                TableName: ranged,
                Key: b,
                UpdateExpression: "SET n = :two",
                ConditionExpression: "n = :five",
                ExpressionAttributeValues: { ":two": { N: "2" }, ":five": { N: "5" } },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            {
              ConditionCheck: { TableName: ranged, Key: c, ConditionExpression: "attribute_not_exists(pk)" },
            },
          ],
        }),
      ),
      "TransactionCanceledException",
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed]",
    );
    const reasons = error.CancellationReasons as Array<{ Code?: string; Item?: unknown }>;
    expect(reasons.map((reason) => reason.Code)).toEqual([
      "None",
      "ConditionalCheckFailed",
      "ConditionalCheckFailed",
    ]);
    expect(reasons[1]?.Item).toEqual({ ...b, n: { N: "1" } });
    expect(reasons[2]?.Item).toBeUndefined();
    expect(await read(ranged, a)).toBeUndefined();
    expect(await read(ranged, b)).toEqual({ ...b, n: { N: "1" } });
  });

  it("rejects two actions on the same item and changes nothing", async () => {
    const a = freshKey();
    await target.client.send(new PutItemCommand({ TableName: ranged, Item: { ...a, v: { S: "before" } } }));
    const other = freshKey();
    await expectDynamoError(
      target.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: ranged, Item: { ...other } } },
            { Put: { TableName: ranged, Item: { ...a, v: { S: "after" } } } },
            { Delete: { TableName: ranged, Key: a } },
          ],
        }),
      ),
      "ValidationException",
      "Transaction request cannot include multiple operations on one item",
    );
    expect(await read(ranged, a)).toEqual({ ...a, v: { S: "before" } });
    expect(await read(ranged, other)).toBeUndefined();
  });

  it("accepts 100 actions and rejects 101", async () => {
    const keys = Array.from({ length: 101 }, () => freshKey());
    const puts = (count: number): TransactWriteItem[] =>
      keys.slice(0, count).map((key) => ({ Put: { TableName: ranged, Item: key } }));
    await expectDynamoError(
      target.client.send(new TransactWriteItemsCommand({ TransactItems: puts(101) })),
      "ValidationException",
      "Member must have length less than or equal to 100",
    );
    expect(await read(ranged, keys[0]!)).toBeUndefined();
    await target.client.send(new TransactWriteItemsCommand({ TransactItems: puts(100) }));
    expect(await read(ranged, keys[99]!)).toEqual(keys[99]);
  });

  it("rejects an empty transaction", async () => {
    await expectDynamoError(
      target.client.send(new TransactWriteItemsCommand({ TransactItems: [] })),
      "ValidationException",
      "Member must have length greater than or equal to 1",
    );
  });

  it("accepts a ClientRequestToken, and a repeat of the same request with it", async () => {
    const a = freshKey();
    const token = `token-${a.pk.S}`;
    const request = {
      TransactItems: [
        {
          Update: {
            TableName: ranged,
            Key: a,
            UpdateExpression: "ADD n :one",
            ExpressionAttributeValues: { ":one": { N: "1" } },
          },
        },
      ],
      ClientRequestToken: token,
    };
    await target.client.send(new TransactWriteItemsCommand(request));
    await target.client.send(new TransactWriteItemsCommand(request));
    // Within the idempotency window DynamoDB applies the repeated request once.
    expect(await read(ranged, a)).toEqual({ ...a, n: { N: "1" } });
    await expectDynamoError(
      target.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: ranged, Item: freshKey() } }],
          ClientRequestToken: token,
        }),
      ),
      "IdempotentParameterMismatchException",
    );
  });

  it("rejects a missing table and a bad key, writing nothing", async () => {
    const a = freshKey();
    await expectDynamoError(
      target.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: ranged, Item: a } },
            { Put: { TableName: uniqueTableName("tx-missing"), Item: { pk: { S: "x" } } } },
          ],
        }),
      ),
      "ResourceNotFoundException",
    );
    await expectDynamoError(
      target.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: ranged, Item: a } },
            { Put: { TableName: ranged, Item: { pk: { S: "no sort key" } } } },
          ],
        }),
      ),
      "ValidationException",
      /Missing the key sk in the item|One of the required keys was not given a value/,
    );
    expect(await read(ranged, a)).toBeUndefined();
  });

  it("fails an update that cannot be evaluated, writing nothing", async () => {
    const [a, b] = [freshKey(), freshKey()];
    await target.client.send(new PutItemCommand({ TableName: ranged, Item: b }));
    // DynamoDB cancels the transaction with the reason code ValidationError; DynamoDB Local answers
    // with a plain ValidationException. Either way nothing may be written.
    const error = await expectDynamoError(
      target.client
        .send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: ranged, Item: a } },
              {
                Update: {
                  TableName: ranged,
                  Key: b,
                  UpdateExpression: "SET n = n + :one",
                  ExpressionAttributeValues: { ":one": { N: "1" } },
                },
              },
            ],
          }),
        )
        .catch((caught: Error) => {
          if (caught.name === "TransactionCanceledException") {
            const codes = (
              (caught as unknown as { CancellationReasons: Array<{ Code: string }> }).CancellationReasons ??
              []
            ).map((reason) => reason.Code);
            expect(codes).toEqual(["None", "ValidationError"]);
            throw Object.assign(new Error(caught.message), { name: "ValidationException" });
          }
          throw caught;
        }),
      "ValidationException",
    );
    expect(error.message).toMatch(/attribute that does not exist|ValidationError/);
    expect(await read(ranged, a)).toBeUndefined();
    expect(await read(ranged, b)).toEqual(b);
  });
});

describe("TransactGetItems", () => {
  it("reads several items across tables, with an empty response for a missing one", async () => {
    const [a, b] = [freshKey(), freshKey()];
    await target.client.send(
      new PutItemCommand({ TableName: ranged, Item: { ...a, v: { S: "a" }, w: { S: "w" } } }),
    );
    await target.client.send(new PutItemCommand({ TableName: hashed, Item: { pk: b.pk, v: { S: "b" } } }));
    const { Responses } = await target.client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: ranged, Key: a, ProjectionExpression: "v" } },
          { Get: { TableName: hashed, Key: { pk: b.pk } } },
          { Get: { TableName: ranged, Key: freshKey() } },
        ],
      }),
    );
    expect(Responses).toHaveLength(3);
    expect(Responses?.[0]?.Item).toEqual({ v: { S: "a" } });
    expect(Responses?.[1]?.Item).toEqual({ pk: b.pk, v: { S: "b" } });
    expect(Responses?.[2]?.Item).toBeUndefined();
  });

  it("rejects the same item twice and a missing table", async () => {
    const a = freshKey();
    await expectDynamoError(
      target.client.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: ranged, Key: a } }, { Get: { TableName: ranged, Key: a } }],
        }),
      ),
      "ValidationException",
      "Transaction request cannot include multiple operations on one item",
    );
    await expectDynamoError(
      target.client.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: uniqueTableName("tx-missing"), Key: a } }],
        }),
      ),
      "ResourceNotFoundException",
    );
  });
});
