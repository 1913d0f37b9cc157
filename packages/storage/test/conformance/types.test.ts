/**
 * Conformance of attribute values: every type round-trips unchanged, numbers are stored in DynamoDB's
 * canonical form with 38 significant digits over a magnitude of 1E-130 .. 9.99…E+125, binary keeps
 * every byte, empty strings and binaries are allowed outside keys, and malformed values (bad numbers,
 * empty or duplicated sets, empty keys) are rejected without changing the stored item.
 */
import { type AttributeValue, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { createTable, hashTable, uniqueTableName } from "../support/tables.js";
import { startTarget, type Target } from "../support/targets.js";

let target: Target;
let table: string;
beforeAll(async () => {
  target = await startTarget();
  table = await createTable(target.client, uniqueTableName("types"), hashTable);
});
afterAll(async () => {
  await target?.stop();
});

async function roundTrip(
  item: Record<string, AttributeValue>,
): Promise<Record<string, AttributeValue> | undefined> {
  await target.client.send(new PutItemCommand({ TableName: table, Item: item }));
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: { pk: item.pk! }, ConsistentRead: true }),
  );
  return Item;
}

async function storedValue(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return Item;
}

function sortedSet(value: AttributeValue | undefined): string[] {
  const members = value?.SS ?? value?.NS ?? value?.BS ?? [];
  return [...members]
    .map((member) => (typeof member === "string" ? member : Buffer.from(member).toString("hex")))
    .sort();
}

describe("every type round-trips", () => {
  it("keeps S, N, B, BOOL, NULL, L and M exactly", async () => {
    const item: Record<string, AttributeValue> = {
      pk: { S: "all-types" },
      s: { S: "héllo wörld ✓ 日本 🚢" },
      n: { N: "-12.5" },
      b: { B: new Uint8Array([0, 1, 2, 255, 128, 10]) },
      yes: { BOOL: true },
      no: { BOOL: false },
      nothing: { NULL: true },
      l: { L: [{ S: "a" }, { N: "1" }, { L: [] }, { M: {} }, { NULL: true }, { BOOL: false }] },
      m: { M: { nested: { M: { deeper: { L: [{ N: "3" }] } } }, empty: { M: {} }, s: { S: "x" } } },
    };
    expect(await roundTrip(item)).toEqual(item);
  });

  it("keeps SS, NS and BS as sets (order may differ)", async () => {
    const item: Record<string, AttributeValue> = {
      pk: { S: "sets" },
      ss: { SS: ["b", "a", "c"] },
      ns: { NS: ["3", "-1", "2.5"] },
      bs: { BS: [new Uint8Array([2]), new Uint8Array([0, 1]), new Uint8Array([255])] },
    };
    const stored = await roundTrip(item);
    expect(sortedSet(stored?.ss)).toEqual(["a", "b", "c"]);
    expect(sortedSet(stored?.ns)).toEqual(["-1", "2.5", "3"]);
    expect(sortedSet(stored?.bs)).toEqual(["0001", "02", "ff"]);
  });

  it("round-trips native values through the document client", async () => {
    const item = {
      pk: "doc",
      text: "t",
      integer: 42,
      fraction: -0.25,
      flag: true,
      empty: null,
      bytes: new Uint8Array([9, 8, 7]),
      list: [1, "two", { three: 3 }],
      strings: new Set(["x", "y"]),
      numbers: new Set([1, 2]),
    };
    await target.doc.send(new PutCommand({ TableName: table, Item: item }));
    const { Item } = await target.doc.send(
      new GetCommand({ TableName: table, Key: { pk: "doc" }, ConsistentRead: true }),
    );
    expect(Item).toEqual(item);
  });
});

describe("numbers", () => {
  it("normalizes to DynamoDB's canonical text", async () => {
    const inputs: Record<string, string> = {
      a: "1.50",
      b: "-0",
      c: "1E+2",
      d: "0.000",
      e: "00012.3400",
      f: "1.2e3",
      g: "+5",
      h: "-.5",
      i: "5.",
      j: "1.00000000000000000000000000000000000000000",
      k: "0E+999",
      l: "123456789012345678901234567890123456780000",
      m: "0.00000000000000000000000000000000000000000000000000012",
    };
    const expected: Record<string, string> = {
      a: "1.5",
      b: "0",
      c: "100",
      d: "0",
      e: "12.34",
      f: "1200",
      g: "5",
      h: "-0.5",
      i: "5",
      j: "1",
      k: "0",
      l: "123456789012345678901234567890123456780000",
      m: "0.00000000000000000000000000000000000000000000000000012",
    };
    const item: Record<string, AttributeValue> = { pk: { S: "normalized" } };
    for (const [name, text] of Object.entries(inputs)) item[name] = { N: text };
    const stored = await roundTrip(item);
    const texts = Object.fromEntries(Object.entries(expected).map(([name]) => [name, stored?.[name]?.N]));
    expect(texts).toEqual(expected);
  });

  it("keeps 38 significant digits and the extremes of the range", async () => {
    const thirtyEight = "12345678901234567890123456789012345678";
    const stored = await roundTrip({
      pk: { S: "extremes" },
      precise: { N: thirtyEight },
      preciseFraction: { N: `-0.${thirtyEight}` },
      tiny: { N: "1E-130" },
      negativeTiny: { N: "-1e-130" },
      huge: { N: "9.9999999999999999999999999999999999999E+125" },
      negativeHuge: { N: "-9.9999999999999999999999999999999999999E+125" },
    });
    expect(stored?.precise?.N).toBe(thirtyEight);
    expect(stored?.preciseFraction?.N).toBe(`-0.${thirtyEight}`);
    expect(stored?.tiny?.N).toBe(`0.${"0".repeat(129)}1`);
    expect(stored?.negativeTiny?.N).toBe(`-0.${"0".repeat(129)}1`);
    expect(stored?.huge?.N).toBe(`${"9".repeat(38)}${"0".repeat(88)}`);
    expect(stored?.negativeHuge?.N).toBe(`-${"9".repeat(38)}${"0".repeat(88)}`);
  });

  it("stores numbers in sets normalized", async () => {
    const stored = await roundTrip({ pk: { S: "number-set" }, ns: { NS: ["1.0", "2", "3e0", "-0.50"] } });
    expect(sortedSet(stored?.ns)).toEqual(["-0.5", "1", "2", "3"]);
  });

  const badNumbers: Array<[string, string]> = [
    ["123456789012345678901234567890123456789", "DynamoDB only supports precision up to 38 digits"],
    ["0.1000000000000000000000000000000000000000001", "DynamoDB only supports precision up to 38 digits"],
    ["1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"],
    ["-1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"],
    ["1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"],
    ["-1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"],
    ["abc", "A value provided cannot be converted into a number"],
    ["", "A value provided cannot be converted into a number"],
    ["1.5.5", "A value provided cannot be converted into a number"],
    ["Infinity", "A value provided cannot be converted into a number"],
    ["NaN", "A value provided cannot be converted into a number"],
    [" 1", "A value provided cannot be converted into a number"],
    ["0x10", "A value provided cannot be converted into a number"],
    ["1e", "A value provided cannot be converted into a number"],
    [".", "A value provided cannot be converted into a number"],
  ];
  for (const [text, message] of badNumbers) {
    it(`rejects ${JSON.stringify(text)} and leaves the item as it was`, async () => {
      const pk = `bad-number-${text}`;
      await target.client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, v: { N: "7" } } }),
      );
      await expectDynamoError(
        target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, v: { N: text } } })),
        "ValidationException",
        message,
      );
      await expectDynamoError(
        target.client.send(
          new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, v: { NS: ["1", text] } } }),
        ),
        "ValidationException",
        message,
      );
      expect(await storedValue(pk)).toEqual({ pk: { S: pk }, v: { N: "7" } });
    });
  }
});

describe("empty values", () => {
  it("allows empty strings and binaries outside keys, also inside lists, maps and sets", async () => {
    const item: Record<string, AttributeValue> = {
      pk: { S: "empties" },
      s: { S: "" },
      b: { B: new Uint8Array(0) },
      l: { L: [{ S: "" }] },
      m: { M: { inside: { S: "" } } },
      ss: { SS: [""] },
    };
    expect(await roundTrip(item)).toEqual(item);
  });

  it("rejects an empty string partition key", async () => {
    await expectDynamoError(
      target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "" } } })),
      "ValidationException",
      "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
    );
    await expectDynamoError(
      target.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "" } } })),
      "ValidationException",
      "The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
    );
  });

  it("rejects an empty binary partition key", async () => {
    const binaryTable = await createTable(target.client, uniqueTableName("types-binary"), {
      partitionKey: { name: "pk", type: "B" },
    });
    await expectDynamoError(
      target.client.send(
        new PutItemCommand({ TableName: binaryTable, Item: { pk: { B: new Uint8Array(0) } } }),
      ),
      "ValidationException",
      "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: pk",
    );
    const key = new Uint8Array([0, 1, 2, 255]);
    await target.client.send(new PutItemCommand({ TableName: binaryTable, Item: { pk: { B: key } } }));
    const { Item } = await target.client.send(
      new GetItemCommand({ TableName: binaryTable, Key: { pk: { B: key } } }),
    );
    expect(Item).toEqual({ pk: { B: key } });
  });

  it("finds a number key by any spelling of the same number", async () => {
    const numberTable = await createTable(target.client, uniqueTableName("types-number"), {
      partitionKey: { name: "pk", type: "N" },
    });
    await target.client.send(
      new PutItemCommand({ TableName: numberTable, Item: { pk: { N: "1.0" }, v: { S: "a" } } }),
    );
    await target.client.send(
      new PutItemCommand({ TableName: numberTable, Item: { pk: { N: "10E-1" }, w: { S: "b" } } }),
    );
    const { Item } = await target.client.send(
      new GetItemCommand({ TableName: numberTable, Key: { pk: { N: "1" } } }),
    );
    expect(Item).toEqual({ pk: { N: "1" }, w: { S: "b" } });
  });
});

describe("malformed values", () => {
  const cases: Array<[string, AttributeValue, string | RegExp]> = [
    ["an empty string set", { SS: [] }, /string set\s+may not be empty/],
    ["an empty number set", { NS: [] }, /number set\s+may not be empty/],
    ["an empty binary set", { BS: [] }, /Binary sets should not be empty|binary set\s+may not be empty/],
    ["a string set with duplicates", { SS: ["a", "a"] }, "contains duplicates"],
    ["a number set with numerically equal members", { NS: ["1", "1.0"] }, "contains duplicates"],
    [
      "a binary set with duplicates",
      { BS: [new Uint8Array([1]), new Uint8Array([1])] },
      "contains duplicates",
    ],
    ["NULL false", { NULL: false }, "Null attribute value types must have the value of true"],
  ];
  for (const [description, value, message] of cases) {
    it(`rejects ${description} and keeps the item`, async () => {
      const pk = `malformed-${description}`;
      await target.client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, v: { S: "before" } } }),
      );
      await expectDynamoError(
        target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, v: value } })),
        "ValidationException",
        message,
      );
      expect(await storedValue(pk)).toEqual({ pk: { S: pk }, v: { S: "before" } });
    });
  }

  it("rejects an empty attribute name", async () => {
    await expectDynamoError(
      target.client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: "unnamed" }, "": { S: "x" } } }),
      ),
      "ValidationException",
      "Empty attribute name",
    );
    expect(await storedValue("unnamed")).toBeUndefined();
  });
});
