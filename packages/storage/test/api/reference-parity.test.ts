/**
 * Requests whose answer depends on how DynamoDB orders its checks or shapes its replies, sent as raw
 * JSON to DynamoDB Local (the reference) and to hakobune, each answer compared with the reference's:
 * status, exception name, message and body (cancellation reasons by code and item). Each case pins one behaviour the differential test found
 * or that DynamoDB documents only by example: which of several faults is reported, which pair of paths
 * an overlap names, what UPDATED_NEW returns, when a Query page offers LastEvaluatedKey.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postSigned } from "../support/sigv4.js";
import { createTable, hashRangeTable, hashTable, uniqueTableName } from "../support/tables.js";
import { defaultCredentials, startTarget, type Target } from "../support/targets.js";

interface Answer {
  status: number;
  /** The exception name without its namespace, for errors. */
  error?: string;
  message?: string;
  body?: unknown;
}

let reference: Target;
let subject: Target;
const hashed = uniqueTableName("parity-hash");
const ranged = uniqueTableName("parity-range");

async function send(target: Target, operation: string, input: unknown): Promise<Answer> {
  const body = JSON.stringify(input);
  const response = await postSigned(target.endpoint, operation, body, defaultCredentials);
  const parsed = (await response.json()) as Record<string, unknown>;
  if (response.status === 200) return { status: 200, body: parsed };
  const { __type, message, Message, CancellationReasons, ...rest } = parsed;
  // Reason messages differ in punctuation even within DynamoDB Local; codes and items are the contract.
  if (Array.isArray(CancellationReasons)) {
    rest.CancellationReasons = CancellationReasons.map(({ Message: _message, ...reason }) => reason);
  }
  const answer: Answer = {
    status: response.status,
    error: String(__type).slice(String(__type).indexOf("#") + 1),
    message: String(message ?? Message),
  };
  if (Object.keys(rest).length > 0) answer.body = rest;
  return answer;
}

async function bothAnswer(operation: string, input: unknown): Promise<[Answer, Answer]> {
  return Promise.all([send(reference, operation, input), send(subject, operation, input)]);
}

const fixtures: Array<[string, Record<string, unknown>]> = [
  [hashed, { pk: { S: "u" }, n: { N: "1" }, l: { L: [{ S: "a" }, { S: "b" }] }, ss: { SS: ["a"] } }],
  [hashed, { pk: { S: "r" }, m: { M: { x: { N: "1" }, y: { N: "2" } } } }],
  [ranged, { pk: { S: "q" }, sk: { N: "1" } }],
  [ranged, { pk: { S: "q" }, sk: { N: "2" } }],
];

beforeAll(async () => {
  [reference, subject] = await Promise.all([startTarget("dynamodb-local"), startTarget("hakobune")]);
  for (const target of [reference, subject]) {
    await createTable(target.client, hashed, hashTable);
    await createTable(target.client, ranged, hashRangeTable);
    for (const [table, item] of fixtures) {
      const answer = await send(target, "PutItem", { TableName: table, Item: item });
      expect(answer.status).toBe(200);
    }
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([reference?.stop(), subject?.stop()]);
});

/** [description, operation, input]; inputs must change nothing, or change both targets alike. */
type Case = [string, string, () => Record<string, unknown>];

const keySchema = (elements: Array<[string, string]>) =>
  elements.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType }));
const definitions = (names: string[]) =>
  names.map((AttributeName) => ({ AttributeName, AttributeType: "S" }));
const update = (expression: string, values?: Record<string, unknown>, key = "u", extra = {}) => ({
  TableName: hashed,
  Key: { pk: { S: key } },
  UpdateExpression: expression,
  ...(values ? { ExpressionAttributeValues: values } : {}),
  ...extra,
});
const number = { ":n": { N: "1" } };

const cases: Case[] = [
  [
    "a key schema out of order",
    "CreateTable",
    () => ({
      TableName: uniqueTableName("parity-bad"),
      KeySchema: keySchema([
        ["sk", "RANGE"],
        ["pk", "HASH"],
      ]),
      AttributeDefinitions: definitions(["pk", "sk"]),
      BillingMode: "PAY_PER_REQUEST",
    }),
  ],
  [
    "a range key missing from the definitions",
    "CreateTable",
    () => ({
      TableName: uniqueTableName("parity-bad"),
      KeySchema: keySchema([
        ["pk", "HASH"],
        ["sk", "RANGE"],
      ]),
      AttributeDefinitions: definitions(["pk"]),
      BillingMode: "PAY_PER_REQUEST",
    }),
  ],
  [
    "throughput below 1",
    "CreateTable",
    () => ({
      TableName: uniqueTableName("parity-bad"),
      KeySchema: keySchema([["pk", "HASH"]]),
      AttributeDefinitions: definitions(["pk"]),
      ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 1 },
    }),
  ],
  ["a batch write with an empty list", "BatchWriteItem", () => ({ RequestItems: { [hashed]: [] } })],
  ["a batch get with no keys", "BatchGetItem", () => ({ RequestItems: { [hashed]: { Keys: [] } } })],
  [
    "legacy and expression members mixed",
    "UpdateItem",
    () =>
      update("SET v = :n", number, "u", {
        AttributeUpdates: { v: { Action: "PUT", Value: { S: "y" } } },
        Expected: { pk: { Exists: false } },
        ConditionalOperator: "AND",
        ConditionExpression: "attribute_exists(pk)",
      }),
  ],
  [
    "values without an expression",
    "UpdateItem",
    () => ({ TableName: hashed, Key: { pk: { S: "u" } }, ExpressionAttributeValues: number }),
  ],
  [
    "names without an expression",
    "PutItem",
    () => ({ TableName: hashed, Item: { pk: { S: "z" } }, ExpressionAttributeNames: { "#a": "a" } }),
  ],
  [
    "an overlap named with the neighbouring path",
    "UpdateItem",
    () => update("SET a = :n, b = :n REMOVE a", number),
  ],
  [
    "an overlap under a map",
    "UpdateItem",
    () => update("SET a.x = :n, a.y.z = :n, a.w = :n REMOVE a.y", number),
  ],
  [
    "a conflict between a list index and a map key",
    "UpdateItem",
    () => update("SET x = :n, a.c.d = :n, a.b = :n, a[1] = :n", number),
  ],
  [
    "a projection overlap",
    "GetItem",
    () => ({ TableName: hashed, Key: { pk: { S: "u" } }, ProjectionExpression: "a.b, c, a" }),
  ],
  [
    "an overlap before an operand type",
    "UpdateItem",
    () => update("ADD a :s DELETE a :s", { ":s": { S: "x" } }),
  ],
  [
    "operand types checked last action first",
    "UpdateItem",
    () => update("ADD l :l, s :s", { ":l": { L: [] }, ":s": { S: "" } }),
  ],
  [
    "a wrong type met before a missing operand",
    "UpdateItem",
    () => update("SET c = ss + :n, a = flag + :n", number),
  ],
  [
    "a missing operand met before a wrong ADD",
    "UpdateItem",
    () => update("SET m = flag + :n ADD l :n", number),
  ],
  [
    "a wrong ADD met before a missing operand",
    "UpdateItem",
    () => update("ADD ss :s SET o = flag", { ":s": { NS: ["1"] } }),
  ],
  ["an invalid path met before a wrong ADD", "UpdateItem", () => update("ADD l :n SET m.x = :n", number)],
  [
    "UPDATED_NEW of a new map entry",
    "UpdateItem",
    () => update("SET m.z = :v", { ":v": { S: "v" } }, "r", { ReturnValues: "UPDATED_NEW" }),
  ],
  [
    "UPDATED_NEW of a removed map entry",
    "UpdateItem",
    () => update("REMOVE m.q", undefined, "r", { ReturnValues: "UPDATED_NEW" }),
  ],
  [
    "UPDATED_OLD of a list element",
    "UpdateItem",
    () => update("SET l[5] = :v", { ":v": { S: "v" } }, "u", { ReturnValues: "UPDATED_OLD" }),
  ],
  [
    "a page ending on the inclusive bound",
    "Query",
    () => ({
      TableName: ranged,
      KeyConditionExpression: "pk = :p AND sk BETWEEN :a AND :b",
      ExpressionAttributeValues: { ":p": { S: "q" }, ":a": { N: "1" }, ":b": { N: "2" } },
      Limit: 2,
    }),
  ],
  [
    "a page cut by Limit",
    "Query",
    () => ({
      TableName: ranged,
      KeyConditionExpression: "pk = :p AND sk >= :a",
      ExpressionAttributeValues: { ":p": { S: "q" }, ":a": { N: "1" } },
      Limit: 2,
    }),
  ],
  [
    "a Query of a table without a sort key",
    "Query",
    () => ({
      TableName: hashed,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "u" } },
      Limit: 1,
      ProjectionExpression: "pk",
    }),
  ],
  [
    "the capacity of an empty Query",
    "Query",
    () => ({
      TableName: ranged,
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "none" } },
      ReturnConsumedCapacity: "TOTAL",
    }),
  ],
  [
    "a filter on the sort key",
    "Query",
    () => ({
      TableName: ranged,
      KeyConditionExpression: "pk = :p",
      FilterExpression: "size(sk) > :a OR attribute_exists(pk)",
      ExpressionAttributeValues: { ":p": { S: "q" }, ":a": { N: "1" } },
    }),
  ],
  ["a segment past the last", "Scan", () => ({ TableName: hashed, Segment: 2, TotalSegments: 2 })],
  [
    "a repeated key whose condition fails",
    "TransactWriteItems",
    () => ({
      TransactItems: [
        { Delete: { TableName: hashed, Key: { pk: { S: "t" } } } },
        { Put: { TableName: hashed, Item: { pk: { S: "t" } }, ConditionExpression: "attribute_exists(zz)" } },
      ],
    }),
  ],
  [
    "a failed check returning the item a later action leaves",
    "TransactWriteItems",
    () => ({
      TransactItems: [
        {
          ConditionCheck: {
            TableName: hashed,
            Key: { pk: { S: "u" } },
            ConditionExpression: "attribute_exists(zz)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        { Put: { TableName: hashed, Item: { pk: { S: "u" }, later: { S: "yes" } } } },
      ],
    }),
  ],
];

describe("answers that follow DynamoDB's order of checks and reply shapes", () => {
  for (const [description, operation, input] of cases) {
    it(`matches the reference for ${description}`, async () => {
      const [expected, actual] = await bothAnswer(operation, input());
      expect(actual).toEqual(expected);
    });
  }
});
