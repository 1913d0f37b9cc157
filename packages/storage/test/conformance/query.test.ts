/**
 * Conformance of Query: every key condition (=, <, <=, >, >=, BETWEEN, begins_with), sort order of
 * number, string and binary sort keys, ScanIndexForward, Limit with ExclusiveStartKey/LastEvaluatedKey
 * pagination, FilterExpression applied after Limit, Select COUNT, ProjectionExpression, the 1 MB page
 * limit, and the errors for malformed key conditions.
 *
 * DynamoDB names the missing key in "Query condition missed key schema element: pk" and words a start
 * key of the wrong shape "The provided starting key is invalid…"; DynamoDB Local leaves out the name
 * and uses its own wording, so those messages are compared by their common part.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashRangeTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
let numbers: string;
let strings: string;
let binaries: string;

/** Sort keys of partition "q", deliberately out of order and with negative and fractional values. */
const sortKeys = [
  "10",
  "-1.5",
  "0",
  "2",
  "100",
  "-10",
  "3",
  "0.25",
  "7",
  "1",
  "5",
  "4",
  "6",
  "8",
  "9",
  "11",
  "12",
  "13",
  "14",
  "15",
];
const ascending = [...sortKeys].sort((a, b) => Number(a) - Number(b));

beforeAll(async () => {
  target = await startTarget();
  numbers = await createTable(target.client, uniqueTableName("query-n"), hashRangeTable);
  strings = await createTable(target.client, uniqueTableName("query-s"), {
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "S" },
  });
  binaries = await createTable(target.client, uniqueTableName("query-b"), {
    partitionKey: { name: "pk", type: "S" },
    sortKey: { name: "sk", type: "B" },
  });
  for (const sk of sortKeys) {
    await target.client.send(
      new PutItemCommand({
        TableName: numbers,
        Item: {
          pk: { S: "q" },
          sk: { N: sk },
          v: { N: String(Math.abs(Math.trunc(Number(sk))) % 3) },
          pad: { S: "x" },
        },
      }),
    );
  }
  for (const pk of ["other", "qq", "Q"]) {
    await target.client.send(
      new PutItemCommand({ TableName: numbers, Item: { pk: { S: pk }, sk: { N: "1" } } }),
    );
  }
  for (const sk of stringKeys) {
    await target.client.send(
      new PutItemCommand({ TableName: strings, Item: { pk: { S: "q" }, sk: { S: sk } } }),
    );
  }
  for (const sk of binaryKeys) {
    await target.client.send(
      new PutItemCommand({ TableName: binaries, Item: { pk: { S: "q" }, sk: { B: Uint8Array.from(sk) } } }),
    );
  }
});
afterAll(async () => {
  await target?.stop();
});

/** In UTF-8 byte order, which differs from UTF-16 order for the last two. */
const stringKeys = ["A", "a", "ab", "abc", "b", "é", "\uffff", "\u{1f600}"];
const binaryKeys = [[0], [0, 0], [1], [1, 2], [127], [128], [255]];

async function sortKeysOf(input: Omit<QueryCommandInput, "TableName">, table = numbers): Promise<string[]> {
  const { Items } = await target.client.send(new QueryCommand({ TableName: table, ...input }));
  return (Items ?? []).map(
    (item) => item.sk?.N ?? item.sk?.S ?? Buffer.from(item.sk?.B ?? []).toString("hex"),
  );
}

const q = { ":pk": { S: "q" } };

describe("key conditions", () => {
  const cases: Array<[string, Record<string, AttributeValue>, string[]]> = [
    ["pk = :pk", {}, ascending],
    ["pk = :pk AND sk = :x", { ":x": { N: "2.0" } }, ["2"]],
    ["pk = :pk AND sk < :x", { ":x": { N: "0.25" } }, ["-10", "-1.5", "0"]],
    ["pk = :pk AND sk <= :x", { ":x": { N: "0.25" } }, ["-10", "-1.5", "0", "0.25"]],
    ["pk = :pk AND sk > :x", { ":x": { N: "13" } }, ["14", "15", "100"]],
    ["pk = :pk AND sk >= :x", { ":x": { N: "13" } }, ["13", "14", "15", "100"]],
    [
      "pk = :pk AND sk BETWEEN :x AND :y",
      { ":x": { N: "-1.5" }, ":y": { N: "1" } },
      ["-1.5", "0", "0.25", "1"],
    ],
    ["sk BETWEEN :x AND :y AND pk = :pk", { ":x": { N: "99" }, ":y": { N: "1000" } }, ["100"]],
    ["#p = :pk AND #s = :x", { ":x": { N: "100" } }, ["100"]],
    ["pk = :pk AND sk = :x", { ":x": { N: "42" } }, []],
  ];
  for (const [expression, extra, expected] of cases) {
    it(`${expression} ${JSON.stringify(extra)}`, async () => {
      const usesNames = expression.includes("#");
      expect(
        await sortKeysOf({
          KeyConditionExpression: expression,
          ExpressionAttributeValues: { ...q, ...extra },
          ExpressionAttributeNames: usesNames ? { "#p": "pk", "#s": "sk" } : undefined,
        }),
      ).toEqual(expected);
    });
  }

  it("returns descending order with ScanIndexForward false", async () => {
    expect(
      await sortKeysOf({
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: q,
        ScanIndexForward: false,
      }),
    ).toEqual([...ascending].reverse());
  });

  it("orders string sort keys by UTF-8 bytes and supports begins_with", async () => {
    expect(
      await sortKeysOf({ KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: q }, strings),
    ).toEqual(stringKeys);
    expect(
      await sortKeysOf(
        {
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
          ExpressionAttributeValues: { ...q, ":p": { S: "a" } },
        },
        strings,
      ),
    ).toEqual(["a", "ab", "abc"]);
    expect(
      await sortKeysOf(
        {
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
          ExpressionAttributeValues: { ...q, ":a": { S: "ab" }, ":b": { S: "b" } },
        },
        strings,
      ),
    ).toEqual(["ab", "abc", "b"]);
  });

  it("orders binary sort keys by unsigned bytes and supports begins_with", async () => {
    expect(
      await sortKeysOf({ KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: q }, binaries),
    ).toEqual(binaryKeys.map((key) => Buffer.from(key).toString("hex")));
    expect(
      await sortKeysOf(
        {
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
          ExpressionAttributeValues: { ...q, ":p": { B: Uint8Array.from([1]) } },
        },
        binaries,
      ),
    ).toEqual(["01", "0102"]);
  });
});

describe("pagination", () => {
  it("pages with Limit and ExclusiveStartKey in both directions", async () => {
    for (const forward of [true, false]) {
      const seen: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      for (let page = 0; page < 100; page++) {
        const response = await target.client.send(
          new QueryCommand({
            TableName: numbers,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: q,
            Limit: 3,
            ScanIndexForward: forward,
            ExclusiveStartKey: start,
          }),
        );
        expect(response.Count).toBe(response.Items?.length);
        expect(response.Count).toBeLessThanOrEqual(3);
        seen.push(...(response.Items ?? []).map((item) => item.sk!.N!));
        start = response.LastEvaluatedKey;
        if (start === undefined) break;
        expect(start).toEqual({ pk: { S: "q" }, sk: response.Items?.at(-1)?.sk });
      }
      expect(start).toBeUndefined();
      expect(seen).toEqual(forward ? ascending : [...ascending].reverse());
    }
  });

  it("applies FilterExpression after Limit: Count counts matches, ScannedCount what was read", async () => {
    const response = await target.client.send(
      new QueryCommand({
        TableName: numbers,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "v = :zero",
        ExpressionAttributeValues: { ...q, ":zero": { N: "0" } },
        Limit: 5,
      }),
    );
    const firstFive = ascending.slice(0, 5);
    const matching = firstFive.filter((sk) => Math.abs(Math.trunc(Number(sk))) % 3 === 0);
    expect(response.ScannedCount).toBe(5);
    expect(response.Count).toBe(matching.length);
    expect(response.Items?.map((item) => item.sk!.N)).toEqual(matching);
    expect(response.LastEvaluatedKey).toEqual({ pk: { S: "q" }, sk: { N: firstFive[4]! } });
  });

  it("returns only the count with Select COUNT", async () => {
    const response = await target.client.send(
      new QueryCommand({
        TableName: numbers,
        KeyConditionExpression: "pk = :pk AND sk > :x",
        ExpressionAttributeValues: { ...q, ":x": { N: "0" } },
        Select: "COUNT",
      }),
    );
    expect(response.Count).toBe(ascending.filter((sk) => Number(sk) > 0).length);
    expect(response.ScannedCount).toBe(response.Count);
    expect(response.Items).toBeUndefined();
  });

  it("projects attributes", async () => {
    const { Items } = await target.client.send(
      new QueryCommand({
        TableName: numbers,
        KeyConditionExpression: "pk = :pk AND sk = :x",
        ExpressionAttributeValues: { ...q, ":x": { N: "7" } },
        ProjectionExpression: "sk, v",
      }),
    );
    expect(Items).toEqual([{ sk: { N: "7" }, v: { N: "1" } }]);
  });

  it("stops a page at 1 MB of data and continues from LastEvaluatedKey", async () => {
    const table = await createTable(target.client, uniqueTableName("query-big"), hashRangeTable);
    const itemCount = 6;
    const filler = "x".repeat(390_000);
    for (let index = 0; index < itemCount; index++) {
      await target.client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: [
              { PutRequest: { Item: { pk: { S: "big" }, sk: { N: String(index) }, filler: { S: filler } } } },
            ],
          },
        }),
      );
    }
    const pageSizes: number[] = [];
    let start: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < 20; page++) {
      const response = await target.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: "big" } },
          ExclusiveStartKey: start,
          ProjectionExpression: "sk",
        }),
      );
      pageSizes.push(response.Count ?? 0);
      start = response.LastEvaluatedKey;
      if (start === undefined) break;
    }
    expect(pageSizes.reduce((sum, size) => sum + size, 0)).toBe(itemCount);
    expect(pageSizes.length).toBeGreaterThan(1);
    for (const size of pageSizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(2);
      expect(size).toBeLessThanOrEqual(3);
    }
  });
});

describe("invalid queries", () => {
  const cases: Array<[string, Partial<QueryCommandInput>, string | RegExp]> = [
    [
      "no key condition",
      { KeyConditionExpression: undefined, ExpressionAttributeValues: undefined },
      "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
    ],
    [
      "a condition on the sort key only",
      { KeyConditionExpression: "sk = :x", ExpressionAttributeValues: { ":x": { N: "1" } } },
      "Query condition missed key schema element",
    ],
    [
      "a non-key attribute",
      {
        KeyConditionExpression: "pk = :pk AND v = :x",
        ExpressionAttributeValues: { ...q, ":x": { N: "1" } },
      },
      "Query condition missed key schema element",
    ],
    [
      "a range condition on the partition key",
      { KeyConditionExpression: "pk > :pk", ExpressionAttributeValues: q },
      "Query key condition not supported",
    ],
    [
      "OR between key conditions",
      {
        KeyConditionExpression: "pk = :pk OR sk = :x",
        ExpressionAttributeValues: { ...q, ":x": { N: "1" } },
      },
      "Invalid operator used in KeyConditionExpression: OR",
    ],
    [
      "two conditions on the sort key",
      {
        KeyConditionExpression: "pk = :pk AND sk > :x AND sk < :x",
        ExpressionAttributeValues: { ...q, ":x": { N: "1" } },
      },
      "KeyConditionExpressions must only contain one condition per key",
    ],
    [
      "begins_with on a number sort key",
      {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :x)",
        ExpressionAttributeValues: { ...q, ":x": { N: "1" } },
      },
      "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
    ],
    [
      "a key value of the wrong type",
      {
        KeyConditionExpression: "pk = :pk AND sk = :x",
        ExpressionAttributeValues: { ...q, ":x": { S: "1" } },
      },
      "One or more parameter values were invalid: Condition parameter type does not match schema type",
    ],
    [
      "a filter on a key attribute",
      { FilterExpression: "sk = :x", ExpressionAttributeValues: { ...q, ":x": { N: "1" } } },
      "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    ],
    ["Limit 0", { Limit: 0 }, "Limit must be greater than or equal to 1"],
    [
      "a syntax error",
      { KeyConditionExpression: "pk = = :pk" },
      "Invalid KeyConditionExpression: Syntax error",
    ],
    [
      "an undefined value",
      { KeyConditionExpression: "pk = :nope", ExpressionAttributeValues: undefined },
      "An expression attribute value used in expression is not defined; attribute value: :nope",
    ],
    [
      "an unused value",
      { ExpressionAttributeValues: { ...q, ":unused": { N: "1" } } },
      "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
    ],
    [
      "a start key of another partition",
      { ExclusiveStartKey: { pk: { S: "other" }, sk: { N: "1" } } },
      "The provided starting key",
    ],
    [
      "a start key missing the sort key",
      { ExclusiveStartKey: { pk: { S: "q" } } },
      /The provided starting key is invalid|Exclusive Start Key must have same size as table's key schema/,
    ],
  ];
  for (const [description, overrides, message] of cases) {
    it(`rejects ${description}`, async () => {
      await expectDynamoError(
        target.client.send(
          new QueryCommand({
            TableName: numbers,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: q,
            ...overrides,
          }),
        ),
        "ValidationException",
        message,
      );
    });
  }

  it("rejects a query of a missing table", async () => {
    await expectDynamoError(
      target.client.send(
        new QueryCommand({
          TableName: uniqueTableName("query-missing"),
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: q,
        }),
      ),
      "ResourceNotFoundException",
    );
  });
});
