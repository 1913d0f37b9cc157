/**
 * The storage engine against a real LMDB store in a temporary directory: item writes and reads,
 * Query ranges in both directions with paging, parallel Scan segments, transaction atomicity, change
 * records and their bound, counters, partition splits, table deletion and reopening.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SortRange } from "../../src/engine/sort-range.js";
import { StorageEngine, StorageEngineClosedError } from "../../src/engine/storage-engine.js";
import type { KeySchema, TableRecord } from "../../src/engine/table-record.js";
import { TransactionClosedError, type WriteTransaction } from "../../src/engine/write-transaction.js";
import { DynamoError } from "../../src/errors.js";
import { compareValues } from "../../src/values/compare.js";
import { itemSizeBytes } from "../../src/values/size.js";
import type { AttributeValue, Item } from "../../src/values/types.js";
import { SeededRandom } from "../partitions/seeded-random.js";

let dataDir: string;
let engine: StorageEngine;

beforeEach(async () => {
  // A dot in the folder name once made LMDB take the folder for a database file; keep one here.
  dataDir = await mkdtemp(join(tmpdir(), "hakobune.engine-"));
  engine = await StorageEngine.open({ dataDir });
});

afterEach(async () => {
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
});

const numberSorted: KeySchema = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "N" },
};

function createTable(name: string, keySchema: KeySchema = numberSorted): Promise<TableRecord> {
  return engine.createTable({ name, keySchema, definition: { TableName: name } });
}

function put(table: TableRecord, ...items: Item[]): Promise<void> {
  return engine.transact((tx) => {
    for (const item of items) tx.put(table, item);
  });
}

async function expectDynamoError(action: () => unknown, type: string, message?: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DynamoError);
  expect((caught as DynamoError).type).toBe(type);
  if (message) expect((caught as DynamoError).message).toMatch(message);
}

describe("items", () => {
  it("puts, gets, overwrites and deletes", async () => {
    const table = await createTable("t");
    const key = { pk: { S: "a" }, sk: { N: "1" } };
    expect(engine.getItem(table, key)).toBeUndefined();
    await put(table, { ...key, v: { S: "one" } });
    expect(engine.getItem(table, key)).toEqual({ ...key, v: { S: "one" } });
    // Equal numbers written differently address the same item.
    await put(table, { pk: { S: "a" }, sk: { N: "1.0" }, v: { S: "two" } });
    expect(engine.getItem(table, key)?.v).toEqual({ S: "two" });
    expect(engine.tableStats("t").itemCount).toBe(1);
    await engine.transact((tx) => tx.delete(table, key));
    expect(engine.getItem(table, key)).toBeUndefined();
    expect(engine.tableStats("t")).toEqual({ itemCount: 0, sizeBytes: 0 });
  });

  it("keeps attribute names that are special in JavaScript", async () => {
    const table = await createTable("t");
    const item = JSON.parse(
      '{"pk":{"S":"a"},"sk":{"N":"1"},"__proto__":{"S":"x"},"constructor":{"N":"2"}}',
    ) as Item;
    await put(table, item);
    expect(Object.keys(engine.getItem(table, item)!).sort()).toEqual([
      "__proto__",
      "constructor",
      "pk",
      "sk",
    ]);
  });

  it("rejects keys that are missing, mistyped, empty or too long", async () => {
    const table = await createTable("t");
    await expectDynamoError(
      () => put(table, { pk: { S: "a" } }),
      "ValidationException",
      /Missing the key sk/,
    );
    await expectDynamoError(
      () => put(table, { pk: { N: "1" }, sk: { N: "1" } }),
      "ValidationException",
      /Type mismatch for key pk/,
    );
    await expectDynamoError(
      () => put(table, { pk: { S: "" }, sk: { N: "1" } }),
      "ValidationException",
      /empty string/,
    );
    await expectDynamoError(
      () => put(table, { pk: { S: "x".repeat(2049) }, sk: { N: "1" } }),
      "ValidationException",
    );
    await expectDynamoError(
      () => engine.getItem(table, { pk: { S: "a" }, sk: { S: "1" } }),
      "ValidationException",
    );
    expect(engine.tableStats("t").itemCount).toBe(0);
  });

  it("stores keys at DynamoDB's size limits", async () => {
    const table = await createTable("b", {
      partitionKey: { name: "pk", type: "B" },
      sortKey: { name: "sk", type: "S" },
    });
    const item = { pk: { B: Buffer.alloc(2048, 0xff).toString("base64") }, sk: { S: "é".repeat(512) } };
    await put(table, item);
    expect(engine.getItem(table, item)).toEqual(item);
  });
});

describe("tables", () => {
  it("creates, lists, describes, updates and deletes", async () => {
    const b = await createTable("b");
    await createTable("a");
    expect(engine.listTableNames()).toEqual(["a", "b"]);
    expect(engine.getTable("b")).toBe(b);
    expect(b.partitions).toHaveLength(4);
    const updated = await engine.updateTableDefinition("b", { changed: true });
    expect(engine.getTable("b")?.definition).toEqual({ changed: true });
    expect(updated.id).toBe(b.id);
    await expectDynamoError(() => createTable("a"), "ResourceInUseException", /Table already exists: a/);
    await engine.deleteTable("a");
    expect(engine.listTableNames()).toEqual(["b"]);
    await expectDynamoError(() => engine.deleteTable("a"), "ResourceNotFoundException");
    await expectDynamoError(() => engine.updateTableDefinition("a", {}), "ResourceNotFoundException");
  });

  it("lets only one of two concurrent creations of a name succeed", async () => {
    const results = await Promise.allSettled([createTable("t"), createTable("t")]);
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("forgets a deleted table's items, even when a table of the same name is created again", async () => {
    const old = await createTable("t");
    await put(old, { pk: { S: "a" }, sk: { N: "1" } }, { pk: { S: "b" }, sk: { N: "2" } });
    await engine.deleteTable("t");
    await expectDynamoError(
      () => engine.getItem(old, { pk: { S: "a" }, sk: { N: "1" } }),
      "ResourceNotFoundException",
    );
    await expectDynamoError(() => put(old, { pk: { S: "c" }, sk: { N: "1" } }), "ResourceNotFoundException");
    const fresh = await createTable("t");
    expect(fresh.id).not.toBe(old.id);
    expect([...engine.scan(fresh, {})]).toEqual([]);
    expect(engine.tableStats("t")).toEqual({ itemCount: 0, sizeBytes: 0 });
  });

  it("rejects bad key schemas", async () => {
    await expectDynamoError(
      () => createTable("t", { partitionKey: { name: "k", type: "S" }, sortKey: { name: "k", type: "N" } }),
      "ValidationException",
    );
    await expectDynamoError(
      () => createTable("t", { partitionKey: { name: "k", type: "BOOL" as "S" } }),
      "ValidationException",
    );
    expect(engine.listTableNames()).toEqual([]);
  });
});

function satisfies(value: AttributeValue, sort: SortRange): boolean {
  const [a, b] = sort.values as [AttributeValue, AttributeValue];
  const order = compareValues(value, a)!;
  switch (sort.op) {
    case "=":
      return order === 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    case "BETWEEN":
      return order >= 0 && compareValues(value, b)! <= 0;
    case "BEGINS_WITH": {
      const bytes = (v: AttributeValue) =>
        "S" in v ? Buffer.from(v.S) : Buffer.from((v as { B: string }).B, "base64");
      const prefix = bytes(a);
      return bytes(value).subarray(0, prefix.length).equals(prefix);
    }
  }
}

/** What a Query must return, computed without the engine: filter and sort with compareValues. */
function expectedQuery(
  items: Item[],
  partitionValue: AttributeValue,
  sort: SortRange | undefined,
  forward: boolean,
): Item[] {
  const matches = items.filter(
    (item) =>
      compareValues(item.pk!, partitionValue) === 0 && (sort === undefined || satisfies(item.sk!, sort)),
  );
  matches.sort((x, y) => compareValues(x.sk!, y.sk!)!);
  return forward ? matches : matches.reverse();
}

/** Reads a Query page by page (`pageSize` items per page), resuming from each page's last key. */
function pagedQuery(
  table: TableRecord,
  partitionValue: AttributeValue,
  sort: SortRange | undefined,
  forward: boolean,
  pageSize: number,
): Item[] {
  const all: Item[] = [];
  let exclusiveStartKey: Item | undefined;
  for (let page = 0; page < 1000; page++) {
    const items: Item[] = [];
    for (const item of engine.query(table, partitionValue, {
      sort,
      forward,
      ...(exclusiveStartKey ? { exclusiveStartKey } : {}),
    })) {
      items.push(item);
      if (items.length === pageSize) break;
    }
    all.push(...items);
    if (items.length < pageSize) return all;
    const last = items.at(-1)!;
    exclusiveStartKey = { pk: last.pk!, sk: last.sk! };
  }
  throw new Error("query paging did not end");
}

describe("query", () => {
  const random = new SeededRandom(99);
  const numbers = ["-1000", "-2.5", "-1", "0", "0.001", "1", "1.5", "2", "10", "99.99", "1e20"];
  for (let i = 0; i < 30; i++) numbers.push(`${random.integer(-500, 500)}.${random.integer(0, 99)}`);
  const numberItems = [...new Set(numbers)].flatMap((n) =>
    ["a", "b"].map((pk) => ({ pk: { S: pk }, sk: { N: n }, data: { S: `${pk}${n}` } })),
  );
  const ranges: (SortRange | undefined)[] = [
    undefined,
    { op: "=", values: [{ N: "1.5" }] },
    { op: "=", values: [{ N: "3.14159" }] },
    { op: "<", values: [{ N: "1" }] },
    { op: "<=", values: [{ N: "1" }] },
    { op: ">", values: [{ N: "-1" }] },
    { op: ">=", values: [{ N: "-1" }] },
    { op: "BETWEEN", values: [{ N: "-2.5" }, { N: "10" }] },
    { op: "BETWEEN", values: [{ N: "10" }, { N: "-2.5" }] },
  ];

  it.each(ranges.flatMap((sort) => [true, false].map((forward) => ({ sort, forward }))))(
    "returns exactly the matching items in order, page by page: $sort.op $sort.values forward=$forward",
    async ({ sort, forward }) => {
      const table = await createTable("t");
      await put(table, ...numberItems);
      const expected = expectedQuery(numberItems, { S: "a" }, sort, forward);
      expect([...engine.query(table, { S: "a" }, { sort, forward })]).toEqual(expected);
      for (const pageSize of [1, 3, 7])
        expect(pagedQuery(table, { S: "a" }, sort, forward, pageSize)).toEqual(expected);
    },
  );

  it("matches begins_with on strings by UTF-8 prefix", async () => {
    const table = await createTable("s", {
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "sk", type: "S" },
    });
    const sortKeys = ["a", "ab", "abc", "abd", "ac", "b", "é", "éa", "😀", "😀x", "\u0000", "a\u0000"];
    const items = sortKeys.map((sk) => ({ pk: { S: "p" }, sk: { S: sk } }));
    await put(table, ...items);
    for (const prefix of ["a", "ab", "é", "😀", "", "z", "\u0000"]) {
      for (const forward of [true, false]) {
        const sort: SortRange = { op: "BEGINS_WITH", values: [{ S: prefix }] };
        expect([...engine.query(table, { S: "p" }, { sort, forward })], prefix).toEqual(
          expectedQuery(items, { S: "p" }, sort, forward),
        );
      }
    }
  });

  it("matches begins_with on binaries, including 0xFF bytes, by byte prefix", async () => {
    const table = await createTable("b", {
      partitionKey: { name: "pk", type: "B" },
      sortKey: { name: "sk", type: "B" },
    });
    const b64 = (...bytes: number[]) => Buffer.from(bytes).toString("base64");
    const pk = { B: b64(1) };
    const items = [[0], [0xff], [0xff, 0], [0xff, 0xff], [0xff, 0xff, 1], [1, 0xff], [2]].map((bytes) => ({
      pk,
      sk: { B: b64(...bytes) },
    }));
    await put(table, ...items);
    for (const prefix of [[0xff], [0xff, 0xff], [1], [0]]) {
      const sort: SortRange = { op: "BEGINS_WITH", values: [{ B: b64(...prefix) }] };
      expect([...engine.query(table, pk, { sort, forward: true })]).toEqual(
        expectedQuery(items, pk, sort, true),
      );
      expect([...engine.query(table, pk, { sort, forward: false })]).toEqual(
        expectedQuery(items, pk, sort, false),
      );
    }
  });

  it("rejects begins_with on numbers and starting keys of another partition or outside the range", async () => {
    const table = await createTable("t");
    await put(table, ...numberItems);
    await expectDynamoError(
      () =>
        engine.query(table, { S: "a" }, { sort: { op: "BEGINS_WITH", values: [{ N: "1" }] }, forward: true }),
      "ValidationException",
      /begins_with/,
    );
    await expectDynamoError(
      () =>
        engine.query(
          table,
          { S: "a" },
          { forward: true, exclusiveStartKey: { pk: { S: "b" }, sk: { N: "1" } } },
        ),
      "ValidationException",
      /starting key is invalid/,
    );
    await expectDynamoError(
      () =>
        engine.query(
          table,
          { S: "a" },
          {
            sort: { op: ">", values: [{ N: "5" }] },
            forward: true,
            exclusiveStartKey: { pk: { S: "a" }, sk: { N: "1" } },
          },
        ),
      "ValidationException",
      /range key predicate/,
    );
  });

  it("reads from one snapshot while writes continue", async () => {
    const table = await createTable("t");
    await put(table, ...numberItems);
    const iterator = engine.query(table, { S: "a" }, { forward: true })[Symbol.iterator]();
    const first = iterator.next().value as Item;
    await put(table, { pk: { S: "a" }, sk: { N: "1e30" } });
    await engine.transact((tx) => tx.delete(table, { pk: { S: "a" }, sk: { N: "1e20" } }));
    const rest: Item[] = [];
    for (let step = iterator.next(); !step.done; step = iterator.next()) rest.push(step.value);
    expect([first, ...rest]).toEqual(expectedQuery(numberItems, { S: "a" }, undefined, true));
  });
});

describe("scan", () => {
  it("covers every item exactly once across parallel segments, paged", async () => {
    const table = await createTable("t", { partitionKey: { name: "pk", type: "N" } });
    const items = Array.from({ length: 300 }, (_, i) => ({ pk: { N: String(i) } }));
    await put(table, ...items);
    expect([...engine.scan(table, {})]).toHaveLength(300);
    for (const totalSegments of [1, 3, 7]) {
      const seen: string[] = [];
      for (let segment = 0; segment < totalSegments; segment++) {
        let exclusiveStartKey: Item | undefined;
        for (let page = 0; page < 1000; page++) {
          const batch: Item[] = [];
          for (const item of engine.scan(table, {
            segment,
            totalSegments,
            ...(exclusiveStartKey ? { exclusiveStartKey } : {}),
          })) {
            batch.push(item);
            if (batch.length === 25) break;
          }
          seen.push(...batch.map((item) => (item.pk as { N: string }).N));
          if (batch.length < 25) break;
          exclusiveStartKey = batch.at(-1)!;
        }
      }
      expect(seen.sort()).toEqual(items.map((item) => item.pk.N).sort());
    }
  });

  it("rejects a starting key from another segment", async () => {
    const table = await createTable("t", { partitionKey: { name: "pk", type: "N" } });
    const items = Array.from({ length: 40 }, (_, i) => ({ pk: { N: String(i) } }));
    await put(table, ...items);
    const [firstOfSegmentOne] = engine.scan(table, { segment: 1, totalSegments: 2 });
    await expectDynamoError(
      () => engine.scan(table, { segment: 0, totalSegments: 2, exclusiveStartKey: firstOfSegmentOne! }),
      "ValidationException",
      /correct Segment/,
    );
  });
});

describe("transact", () => {
  it("writes nothing when the body throws half-way", async () => {
    const table = await createTable("t");
    await put(table, { pk: { S: "keep" }, sk: { N: "1" } });
    const before = engine.partitionStats("t");
    const failure = new Error("stop");
    await expect(
      engine.transact((tx) => {
        tx.put(table, { pk: { S: "x" }, sk: { N: "1" } });
        tx.delete(table, { pk: { S: "keep" }, sk: { N: "1" } });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(engine.getItem(table, { pk: { S: "x" }, sk: { N: "1" } })).toBeUndefined();
    expect(engine.getItem(table, { pk: { S: "keep" }, sk: { N: "1" } })).toBeDefined();
    expect(engine.partitionStats("t")).toEqual(before);
  });

  it("keeps a failing body's writes out of a commit shared with other transactions", async () => {
    const table = await createTable("t");
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        engine.transact((tx) => {
          tx.put(table, { pk: { S: "k" }, sk: { N: String(i) } });
          if (i % 2 === 1) throw new Error(`odd ${i}`);
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === "rejected")).toHaveLength(10);
    expect(
      [...engine.query(table, { S: "k" }, { forward: true })].map((item) => (item.sk as { N: string }).N),
    ).toEqual(["0", "2", "4", "6", "8", "10", "12", "14", "16", "18"]);
  });

  it("rejects asynchronous bodies without writing", async () => {
    const table = await createTable("t");
    await expect(
      engine.transact(async (tx) => {
        tx.put(table, { pk: { S: "x" }, sk: { N: "1" } });
      }),
    ).rejects.toThrow(/synchronous/);
    expect(engine.tableStats("t").itemCount).toBe(0);
  });

  it("sees its own writes, and serializes concurrent read-modify-writes", async () => {
    const table = await createTable("t");
    const key = { pk: { S: "counter" }, sk: { N: "0" } };
    const seenOwnWrite = await engine.transact((tx) => {
      tx.put(table, { ...key, n: { N: "0" } });
      return tx.get(table, key);
    });
    expect(seenOwnWrite?.n).toEqual({ N: "0" });
    await Promise.all(
      Array.from({ length: 40 }, () =>
        engine.transact((tx) => {
          const current = Number((tx.get(table, key)!.n as { N: string }).N);
          tx.put(table, { ...key, n: { N: String(current + 1) } });
        }),
      ),
    );
    expect(engine.getItem(table, key)?.n).toEqual({ N: "40" });
  });

  it("refuses use of the transaction handle after the body returned", async () => {
    const table = await createTable("t");
    let leaked: WriteTransaction | undefined;
    await engine.transact((tx) => {
      leaked = tx;
    });
    expect(() => leaked!.put(table, { pk: { S: "x" }, sk: { N: "1" } })).toThrow(TransactionClosedError);
  });
});

describe("change records and counters", () => {
  it("records every change of a partition in sequence and keeps only the newest", async () => {
    await engine.close();
    engine = await StorageEngine.open({
      dataDir,
      maxChangeRecordsPerPartition: 3,
      initialPartitionsPerTable: 1,
    });
    const table = await createTable("t");
    const [partition] = table.partitions;
    const key = { pk: { S: "a" }, sk: { N: "1" } };
    await put(table, { ...key, v: { N: "1" } });
    await put(table, { ...key, v: { N: "2" } });
    await engine.transact((tx) => tx.delete(table, key));
    await engine.transact((tx) => tx.delete(table, key)); // deleting nothing changes nothing
    const records = engine.changes(table, partition!.id, 0, 100);
    expect(records.map(({ sequence, kind }) => [sequence, kind])).toEqual([
      [1, "INSERT"],
      [2, "MODIFY"],
      [3, "REMOVE"],
    ]);
    expect(records[1]).toMatchObject({
      tableName: "t",
      partitionId: partition!.id,
      key,
      oldImage: { ...key, v: { N: "1" } },
      newImage: { ...key, v: { N: "2" } },
    });
    expect(records[0]!.oldImage).toBeUndefined();
    expect(records[2]!.newImage).toBeUndefined();
    for (let i = 0; i < 10; i++) await put(table, { pk: { S: "b" }, sk: { N: String(i) } });
    expect(engine.changes(table, partition!.id, 0, 100).map((record) => record.sequence)).toEqual([
      11, 12, 13,
    ]);
    expect(engine.changes(table, partition!.id, 11, 1).map((record) => record.sequence)).toEqual([12]);
    expect(engine.changes(table, partition!.id, 13, 100)).toEqual([]);
    await expectDynamoError(() => engine.changes(table, "nope", 0, 1), "ResourceNotFoundException");
  });

  it("records the committed old image when a transaction read the item before writing it", async () => {
    await engine.close();
    engine = await StorageEngine.open({ dataDir, initialPartitionsPerTable: 1 });
    const table = await createTable("t");
    const [partition] = table.partitions;
    const key = { pk: { S: "a" }, sk: { N: "1" } };
    const other = { pk: { S: "b" }, sk: { N: "1" } };
    await put(table, { ...key, v: { N: "1" } });
    // Two read-then-write transactions in one commit batch, then one that writes, reads its own write
    // and writes again, then one that reads a missing item and inserts it, then a read-then-delete.
    await Promise.all([
      engine.transact((tx) => {
        expect(tx.get(table, key)).toEqual({ ...key, v: { N: "1" } });
        tx.put(table, { ...key, v: { N: "2" } });
      }),
      engine.transact((tx) => {
        expect(tx.get(table, key)).toEqual({ ...key, v: { N: "2" } });
        tx.put(table, { ...key, v: { N: "3" } });
      }),
    ]);
    await engine.transact((tx) => {
      tx.put(table, { ...key, v: { N: "4" } });
      expect(tx.get(table, key)).toEqual({ ...key, v: { N: "4" } });
      tx.put(table, { ...key, v: { N: "5" } });
    });
    await engine.transact((tx) => {
      expect(tx.get(table, other)).toBeUndefined();
      expect(tx.get(table, other)).toBeUndefined();
      tx.put(table, { ...other, v: { N: "1" } });
    });
    await engine.transact((tx) => {
      expect(tx.get(table, key)).toEqual({ ...key, v: { N: "5" } });
      tx.delete(table, key);
    });
    const records = engine.changes(table, partition!.id, 1, 100);
    expect(records.map(({ kind, oldImage, newImage }) => [kind, oldImage?.v, newImage?.v])).toEqual([
      ["MODIFY", { N: "1" }, { N: "2" }],
      ["MODIFY", { N: "2" }, { N: "3" }],
      ["MODIFY", { N: "3" }, { N: "5" }],
      ["INSERT", undefined, { N: "1" }],
      ["REMOVE", { N: "5" }, undefined],
    ]);
    expect(engine.partitionStats("t")[0]!.itemCount).toBe(1);
  });

  it("keeps item counts and sizes per partition through puts, overwrites and deletes", async () => {
    const table = await createTable("t");
    const random = new SeededRandom(5);
    const live = new Map<string, Item>();
    for (let i = 0; i < 200; i++) {
      const key = { pk: { S: `p${random.integer(0, 20)}` }, sk: { N: String(random.integer(0, 5)) } };
      const id = JSON.stringify(key);
      if (random.next() < 0.3) {
        await engine.transact((tx) => tx.delete(table, key));
        live.delete(id);
      } else {
        const item = { ...key, body: { S: "x".repeat(random.integer(0, 50)) } };
        await put(table, item);
        live.set(id, item);
      }
    }
    const sizeBytes = [...live.values()].reduce((sum, item) => sum + itemSizeBytes(item), 0);
    expect(engine.tableStats("t")).toEqual({ itemCount: live.size, sizeBytes });
    const perPartition = engine.partitionStats("t");
    expect(perPartition.reduce((sum, stats) => sum + stats.itemCount, 0)).toBe(live.size);
    expect(perPartition.filter((stats) => stats.itemCount > 0).length).toBeGreaterThan(1);
  });
});

describe("partition splits", () => {
  it("splits a partition in place: items stay readable, counters divide, sequences continue", async () => {
    const table = await createTable("t", { partitionKey: { name: "pk", type: "N" } });
    await put(table, ...Array.from({ length: 100 }, (_, i) => ({ pk: { N: String(i) } })));
    const before = engine.partitionStats("t");
    const parent = before[0]!;
    const split = await engine.splitPartition("t", parent.partition.id);
    expect(split.partitions).toHaveLength(5);
    expect(engine.getTable("t")).toBe(split);
    const after = engine.partitionStats("t");
    expect(after[0]!.itemCount + after[1]!.itemCount).toBe(parent.itemCount);
    expect(after[0]!.sizeBytes + after[1]!.sizeBytes).toBe(parent.sizeBytes);
    expect(after[0]!.lastSequence).toBe(parent.lastSequence);
    expect(engine.tableStats("t").itemCount).toBe(100);
    expect([...engine.scan(split, {})]).toHaveLength(100);
    // A write into the lower half continues the parent's sequence.
    const lower = split.partitions[0]!;
    let written = 0;
    for (let i = 100; written === 0 && i < 10_000; i++) {
      await put(split, { pk: { N: String(i) } });
      written = engine.changes(split, lower.id, parent.lastSequence, 10).length;
    }
    expect(engine.changes(split, lower.id, 0, 10)[0]!.sequence).toBe(parent.lastSequence + 1);
    await expectDynamoError(
      () => engine.splitPartition("t", parent.partition.id),
      "ResourceNotFoundException",
    );
  });
});

describe("durability across restarts", () => {
  it("reopens with every table, item, counter and change sequence", async () => {
    const table = await createTable("t");
    await createTable("u", { partitionKey: { name: "id", type: "B" } });
    const items = Array.from({ length: 50 }, (_, i) => ({
      pk: { S: `p${i % 5}` },
      sk: { N: String(i) },
      v: { L: [{ S: "x" }] },
    }));
    await put(table, ...items);
    const stats = engine.partitionStats("t");
    await engine.close();
    await expect(engine.transact(() => undefined)).rejects.toThrow(StorageEngineClosedError);
    engine = await StorageEngine.open({ dataDir });
    expect(engine.listTableNames()).toEqual(["t", "u"]);
    const reopened = engine.getTable("t")!;
    expect(reopened).toEqual(table);
    expect(engine.partitionStats("t")).toEqual(stats);
    for (const item of items) expect(engine.getItem(reopened, item)).toEqual(item);
    await put(reopened, { pk: { S: "p0" }, sk: { N: "1000" } });
    const touched = engine
      .partitionStats("t")
      .find((partition, index) => partition.lastSequence !== stats[index]!.lastSequence)!;
    expect(touched.lastSequence).toBe(
      stats.find((partition) => partition.partition.id === touched.partition.id)!.lastSequence + 1,
    );
  });

  it("completes a table purge interrupted by closing the store", async () => {
    const table = await createTable("t");
    await put(table, ...Array.from({ length: 2500 }, (_, i) => ({ pk: { S: `p${i}` }, sk: { N: "1" } })));
    await engine.deleteTable("t");
    await engine.close();
    engine = await StorageEngine.open({ dataDir });
    expect(engine.listTableNames()).toEqual([]);
    const again = await createTable("t");
    expect([...engine.scan(again, {})]).toEqual([]);
  });
});
