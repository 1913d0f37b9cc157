/**
 * Conformance of Scan: Limit/ExclusiveStartKey pagination that visits every item exactly once,
 * parallel scans whose segments together cover every item once, FilterExpression with Count and
 * ScannedCount, Select COUNT, and the errors for malformed segment and select parameters.
 */
import {
  type AttributeValue,
  PutItemCommand,
  ScanCommand,
  type ScanCommandInput,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashRangeTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
let table: string;
const itemCount = 60;
const allKeys: string[] = [];

beforeAll(async () => {
  target = await startTarget();
  table = await createTable(target.client, uniqueTableName("scan"), hashRangeTable);
  for (let index = 0; index < itemCount; index++) {
    const pk = `p${index % 13}`;
    await target.client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: pk }, sk: { N: String(index) }, even: { BOOL: index % 2 === 0 } },
      }),
    );
    allKeys.push(`${pk}/${index}`);
  }
  allKeys.sort();
});
afterAll(async () => {
  await target?.stop();
});

function keyOf(item: Record<string, AttributeValue>): string {
  return `${item.pk?.S}/${item.sk?.N}`;
}

async function scanAll(
  input: Omit<ScanCommandInput, "TableName">,
): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  for (let page = 1; page <= 1000; page++) {
    const response = await target.client.send(
      new ScanCommand({ TableName: table, ...input, ExclusiveStartKey: start }),
    );
    keys.push(...(response.Items ?? []).map(keyOf));
    start = response.LastEvaluatedKey;
    if (start === undefined) return { keys, pages: page };
    expect(Object.keys(start).sort()).toEqual(["pk", "sk"]);
  }
  throw new Error("scan did not finish within 1000 pages");
}

describe("Scan", () => {
  it("returns every item once in one call", async () => {
    const response = await target.client.send(new ScanCommand({ TableName: table }));
    expect(response.Items?.map(keyOf).sort()).toEqual(allKeys);
    expect(response.Count).toBe(itemCount);
    expect(response.ScannedCount).toBe(itemCount);
    expect(response.LastEvaluatedKey).toBeUndefined();
  });

  it("pages with Limit and visits every item exactly once", async () => {
    const { keys, pages } = await scanAll({ Limit: 7 });
    expect([...keys].sort()).toEqual(allKeys);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(itemCount / 7));
  });

  it("splits into parallel segments that cover every item exactly once", async () => {
    for (const totalSegments of [1, 2, 3, 7]) {
      const keys: string[] = [];
      for (let segment = 0; segment < totalSegments; segment++) {
        const result = await scanAll({ Segment: segment, TotalSegments: totalSegments, Limit: 9 });
        keys.push(...result.keys);
      }
      expect(keys.sort()).toEqual(allKeys);
    }
  });

  it("keeps all items of one partition in one segment", async () => {
    const segmentOf = new Map<string, number>();
    for (let segment = 0; segment < 4; segment++) {
      const { keys } = await scanAll({ Segment: segment, TotalSegments: 4 });
      for (const key of keys) {
        const pk = key.split("/")[0]!;
        expect(segmentOf.get(pk) ?? segment).toBe(segment);
        segmentOf.set(pk, segment);
      }
    }
    expect(segmentOf.size).toBe(13);
  });

  it("filters after reading: Count is the matches, ScannedCount the items read", async () => {
    const response = await target.client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "even = :yes",
        ExpressionAttributeValues: { ":yes": { BOOL: true } },
      }),
    );
    expect(response.Count).toBe(itemCount / 2);
    expect(response.ScannedCount).toBe(itemCount);
    expect(response.Items?.every((item) => item.even?.BOOL === true)).toBe(true);

    const limited = await target.client.send(
      new ScanCommand({
        TableName: table,
        Limit: 10,
        FilterExpression: "even = :yes",
        ExpressionAttributeValues: { ":yes": { BOOL: true } },
      }),
    );
    expect(limited.ScannedCount).toBe(10);
    expect(limited.Count).toBeLessThanOrEqual(10);
    expect(limited.LastEvaluatedKey).toBeDefined();
  });

  it("filters on key attributes too (unlike Query)", async () => {
    const { keys } = await scanAll({
      FilterExpression: "pk = :p",
      ExpressionAttributeValues: { ":p": { S: "p0" } },
    });
    expect(keys.sort()).toEqual(allKeys.filter((key) => key.startsWith("p0/")));
  });

  it("counts with Select COUNT and projects with ProjectionExpression", async () => {
    const count = await target.client.send(new ScanCommand({ TableName: table, Select: "COUNT" }));
    expect(count.Count).toBe(itemCount);
    expect(count.Items).toBeUndefined();
    const projected = await target.client.send(
      new ScanCommand({ TableName: table, ProjectionExpression: "even", Limit: 3 }),
    );
    for (const item of projected.Items ?? []) expect(Object.keys(item)).toEqual(["even"]);
  });
});

describe("invalid scans", () => {
  const cases: Array<[string, Partial<ScanCommandInput>, string | RegExp]> = [
    [
      "Segment without TotalSegments",
      { Segment: 0 },
      "If segment is specified, total segment must also be specified",
    ],
    [
      "TotalSegments without Segment",
      { TotalSegments: 2 },
      "If total segments is specified, a particular segment must also be specified for this request",
    ],
    [
      "Segment not below TotalSegments",
      { Segment: 2, TotalSegments: 2 },
      "Member must have value less than or equal to 1",
    ],
    [
      "too many segments",
      { Segment: 0, TotalSegments: 1_000_001 },
      "Member must have value less than or equal to 1000000",
    ],
    ["Limit 0", { Limit: 0 }, "Limit must be greater than or equal to 1"],
    [
      "Select COUNT with a projection",
      { Select: "COUNT", ProjectionExpression: "pk" },
      "Cannot specify the ProjectionExpression when choosing to get only the Count",
    ],
    [
      "SPECIFIC_ATTRIBUTES without a projection",
      { Select: "SPECIFIC_ATTRIBUTES" },
      "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
    ],
    [
      "a start key of the wrong shape",
      { ExclusiveStartKey: { pk: { S: "p0" } } },
      /starting key|Exclusive Start Key/,
    ],
    ["a filter syntax error", { FilterExpression: "even = " }, "Invalid FilterExpression: Syntax error"],
  ];
  for (const [description, overrides, message] of cases) {
    it(`rejects ${description}`, async () => {
      await expectDynamoError(
        target.client.send(new ScanCommand({ TableName: table, ...overrides })),
        "ValidationException",
        message,
      );
    });
  }
});
