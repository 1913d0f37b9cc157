/**
 * GetItem's answers through the front door, against the built server as a real process. Without a
 * projection or ConsumedCapacity the server sends the stored item's JSON text on as it is; these tests
 * check that this text is byte for byte what the parsing path (taken when ConsumedCapacity is asked
 * for) sends, for items whose JSON is easy to get wrong, and that errors still come as DynamoDB's.
 */
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postSigned } from "../support/sigv4.js";
import { createTable, hashTable, uniqueTableName } from "../support/tables.js";
import { defaultCredentials, startTarget, type Target } from "../support/targets.js";

let target: Target;
let table: string;
beforeAll(async () => {
  target = await startTarget("hakobune");
  table = await createTable(target.client, uniqueTableName("get-item"), hashTable);
});
afterAll(async () => {
  await target?.stop();
});

interface RawAnswer {
  status: number;
  text: string;
}

async function post(operation: string, input: unknown): Promise<RawAnswer> {
  const body = JSON.stringify(input);
  const response = await postSigned(target.endpoint, operation, body, defaultCredentials);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(response.headers.get("x-amz-crc32")).toBe(String(crc32(bytes)));
  expect(response.headers.get("content-length")).toBe(String(bytes.length));
  return { status: response.status, text: bytes.toString("utf8") };
}

/** Items whose JSON text is easy to get wrong: names, escapes, nesting, every type. */
const trickyItems: Record<string, Record<string, unknown>> = {
  escapes: {
    pk: { S: "escapes" },
    text: { S: 'quote " backslash \\ newline \n tab \t nul \u0000 line separator \u2028' },
    unicode: { S: "é 日本 🚢" },
    lone: { S: "\ud800 alone" },
  },
  names: {
    pk: { S: "names" },
    ["__proto__"]: { S: "an attribute, not a prototype" },
    "10": { N: "10" },
    "2": { N: "2" },
    "a.b": { BOOL: false },
  },
  types: {
    pk: { S: "types" },
    n: { N: "1.50" },
    big: { N: "-12345678901234567890123456789012345678E-130" },
    b: { B: Buffer.from([0, 255, 1]).toString("base64") },
    ss: { SS: ["b", "a"] },
    ns: { NS: ["3", "1.0"] },
    bs: { BS: [Buffer.from("x").toString("base64")] },
    nested: { M: { l: { L: [{ M: {} }, { L: [] }, { NULL: true }, { S: "" }] } } },
  },
};

describe("GetItem", () => {
  beforeAll(async () => {
    for (const item of Object.values(trickyItems)) {
      const answer = await post("PutItem", { TableName: table, Item: item });
      expect(answer.status, answer.text).toBe(200);
    }
  });

  for (const name of Object.keys(trickyItems)) {
    it(`sends the stored ${name} item exactly as the parsing path does`, async () => {
      const key = { pk: { S: name } };
      const direct = await post("GetItem", { TableName: table, Key: key });
      const parsed = await post("GetItem", { TableName: table, Key: key, ReturnConsumedCapacity: "TOTAL" });
      expect(direct.status).toBe(200);
      expect(parsed.status).toBe(200);
      const parsedOutput = JSON.parse(parsed.text) as { Item: unknown; ConsumedCapacity: unknown };
      expect(parsedOutput.ConsumedCapacity).toEqual({ TableName: table, CapacityUnits: 0.5 });
      expect(direct.text).toBe(JSON.stringify({ Item: parsedOutput.Item }));
      const item = (JSON.parse(direct.text) as { Item: Record<string, unknown> }).Item;
      expect(Object.keys(item).sort()).toEqual(Object.keys(trickyItems[name]!).sort());
    });
  }

  it("normalizes numbers before storing, so the sent text holds them canonical", async () => {
    const { text } = await post("GetItem", { TableName: table, Key: { pk: { S: "types" } } });
    const item = (JSON.parse(text) as { Item: Record<string, unknown> }).Item;
    expect(item.n).toEqual({ N: "1.5" });
    expect(item.ns).toEqual({ NS: ["3", "1"] });
  });

  it("answers {} for a missing item, with or without ConsumedCapacity", async () => {
    const key = { pk: { S: "missing" } };
    expect(await post("GetItem", { TableName: table, Key: key })).toEqual({ status: 200, text: "{}" });
    const withCapacity = await post("GetItem", {
      TableName: table,
      Key: key,
      ReturnConsumedCapacity: "TOTAL",
      ConsistentRead: true,
    });
    expect(JSON.parse(withCapacity.text)).toEqual({
      ConsumedCapacity: { TableName: table, CapacityUnits: 1 },
    });
  });

  it("applies a projection", async () => {
    const { status, text } = await post("GetItem", {
      TableName: table,
      Key: { pk: { S: "types" } },
      ProjectionExpression: "n, nested.l[3], #p",
      ExpressionAttributeNames: { "#p": "pk" },
    });
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      Item: { n: { N: "1.5" }, nested: { M: { l: { L: [{ S: "" }] } } }, pk: { S: "types" } },
    });
  });

  it("still answers bad requests with DynamoDB's errors", async () => {
    const missingTable = await post("GetItem", {
      TableName: uniqueTableName("absent"),
      Key: { pk: { S: "x" } },
    });
    expect(missingTable.status).toBe(400);
    expect(JSON.parse(missingTable.text).__type).toBe(
      "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
    );
    const wrongKey = await post("GetItem", { TableName: table, Key: { other: { S: "x" } } });
    expect(wrongKey.status).toBe(400);
    expect(JSON.parse(wrongKey.text)).toEqual({
      __type: "com.amazonaws.dynamodb.v20120810#ValidationException",
      message: "The provided key element does not match the schema",
    });
    const unusedName = await post("GetItem", {
      TableName: table,
      Key: { pk: { S: "types" } },
      ExpressionAttributeNames: { "#unused": "n" },
    });
    expect(unusedName.status).toBe(400);
    expect(JSON.parse(unusedName.text).__type).toBe("com.amazonaws.dynamodb.v20120810#ValidationException");
  });
});
