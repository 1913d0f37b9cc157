/**
 * The engine's write path under group commit: counters kept in memory and stored once per commit stay
 * exact (many transactions per commit, failed ones among them, splits, deleted and recreated tables,
 * reopening); change records built from the stored texts read back as the images; a transaction
 * that reads one key and writes another, or changes a key object in between, writes the right item.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { locateItem } from "../../src/engine/item-location.js";
import { StorageEngine } from "../../src/engine/storage-engine.js";
import type { TableRecord } from "../../src/engine/table-record.js";
import { partitionFor } from "../../src/partitions/partition-map.js";
import { itemSizeBytes } from "../../src/values/size.js";
import type { Item } from "../../src/values/types.js";
import { SeededRandom } from "../partitions/seeded-random.js";

let dataDir: string;
let engine: StorageEngine;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hakobune-write-path-"));
  engine = await StorageEngine.open({ dataDir });
});

afterEach(async () => {
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
});

function createTable(name: string): Promise<TableRecord> {
  return engine.createTable({
    name,
    keySchema: { partitionKey: { name: "pk", type: "S" }, sortKey: { name: "sk", type: "N" } },
    definition: {},
  });
}

/** Counters recomputed from the items a Scan finds, per partition id. */
function recount(table: TableRecord): Map<string, { itemCount: number; sizeBytes: number }> {
  const current = engine.getTable(table.name)!;
  const counts = new Map(
    current.partitions.map((partition) => [partition.id, { itemCount: 0, sizeBytes: 0 }]),
  );
  for (const item of engine.scan(current, {})) {
    const partition = partitionFor(current.partitions, locateItem(current, item).hash);
    const count = counts.get(partition.id)!;
    count.itemCount++;
    count.sizeBytes += itemSizeBytes(item);
  }
  return counts;
}

function expectExactCounters(table: TableRecord): void {
  const expected = recount(table);
  for (const { partition, itemCount, sizeBytes } of engine.partitionStats(table.name)) {
    expect({ partition: partition.id, itemCount, sizeBytes }).toEqual({
      partition: partition.id,
      ...expected.get(partition.id),
    });
  }
}

/** Random puts, overwrites, deletes and failing transactions, all submitted at once (one or few commits). */
async function randomWrites(table: TableRecord, random: SeededRandom, count: number): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const key = { pk: { S: `p${random.integer(0, 15)}` }, sk: { N: String(random.integer(0, 3)) } };
    const choice = random.next();
    if (choice < 0.25) {
      writes.push(engine.transact((tx) => tx.delete(table, key)));
    } else if (choice < 0.35) {
      // A transaction that writes and then throws: none of it may count.
      writes.push(
        engine
          .transact((tx) => {
            tx.put(table, { ...key, body: { S: "never" } });
            throw new Error("abandoned");
          })
          .catch(() => undefined),
      );
    } else {
      const item = { ...key, body: { S: "é".repeat(random.integer(0, 40)) } };
      writes.push(
        engine.transact((tx) => {
          tx.get(table, key);
          tx.put(table, item);
        }),
      );
    }
  }
  await Promise.all(writes);
}

describe("partition counters under group commit", () => {
  it("stay exact through many transactions per commit, splits, reopening and a recreated table", async () => {
    await engine.close();
    engine = await StorageEngine.open({ dataDir, maxChangeRecordsPerPartition: 1_000 });
    let table = await createTable("t");
    const random = new SeededRandom(11);
    await randomWrites(table, random, 300);
    expectExactCounters(table);

    table = await engine.splitPartition("t", table.partitions[0]!.id);
    await randomWrites(table, random, 300);
    expectExactCounters(table);

    const before = engine.partitionStats("t");
    await engine.close();
    engine = await StorageEngine.open({ dataDir, maxChangeRecordsPerPartition: 1_000 });
    expect(engine.partitionStats("t")).toEqual(before);
    table = engine.getTable("t")!;
    await randomWrites(table, random, 200);
    expectExactCounters(table);

    await engine.deleteTable("t");
    table = await createTable("t");
    expect(engine.tableStats("t")).toEqual({ itemCount: 0, sizeBytes: 0 });
    await randomWrites(table, random, 100);
    expectExactCounters(table);
  });

  it("keeps change sequences gapless per partition when transactions share commits", async () => {
    const table = await createTable("t");
    await randomWrites(table, new SeededRandom(3), 400);
    for (const { partition, lastSequence } of engine.partitionStats("t")) {
      const sequences = engine.changes(table, partition.id, 0, 1_000).map((record) => record.sequence);
      expect(sequences).toEqual(Array.from({ length: lastSequence }, (_, i) => i + 1));
    }
  });
});

describe("change records", () => {
  it("carry images with strings JSON must escape, and attribute names such as __proto__", async () => {
    await engine.close();
    engine = await StorageEngine.open({ dataDir, initialPartitionsPerTable: 1 });
    const table = await createTable("t");
    const key = { pk: { S: 'a "quoted" \\ key\n' }, sk: { N: "1" } };
    const first: Item = { ...key, text: { S: "\u2028\u0000\ud83d\ude00" } };
    const second: Item = JSON.parse('{"__proto__":{"S":"own"}}');
    Object.assign(second, key);
    await Promise.all([
      engine.transact((tx) => tx.put(table, first)),
      engine.transact((tx) => {
        tx.get(table, key);
        tx.put(table, second);
      }),
    ]);
    await engine.transact((tx) => tx.delete(table, key));
    const records = engine.changes(table, table.partitions[0]!.id, 0, 10);
    expect(
      records.map(({ kind, key: recordKey, oldImage, newImage }) => ({
        kind,
        recordKey,
        oldImage,
        newImage,
      })),
    ).toEqual([
      { kind: "INSERT", recordKey: key, oldImage: undefined, newImage: first },
      { kind: "MODIFY", recordKey: key, oldImage: first, newImage: second },
      { kind: "REMOVE", recordKey: key, oldImage: second, newImage: undefined },
    ]);
    expect(Object.hasOwn(records[1]!.newImage!, "__proto__")).toBe(true);
  });
});

describe("keys in one transaction", () => {
  it("writes each item under its own key after reading another, or after its key object changed", async () => {
    const table = await createTable("t");
    const read = { pk: { S: "a" }, sk: { N: "1" } };
    await engine.transact((tx) => {
      expect(tx.get(table, read)).toBeUndefined();
      tx.put(table, { pk: { S: "b" }, sk: { N: "1" } });
    });
    const changing: Item = { pk: { S: "c" }, sk: { N: "1" } };
    await engine.transact((tx) => {
      tx.get(table, changing);
      changing.sk = { N: "2" };
      tx.put(table, changing);
    });
    expect(engine.getItem(table, read)).toBeUndefined();
    expect(engine.getItem(table, { pk: { S: "b" }, sk: { N: "1" } })).toEqual({
      pk: { S: "b" },
      sk: { N: "1" },
    });
    expect(engine.getItem(table, { pk: { S: "c" }, sk: { N: "1" } })).toBeUndefined();
    expect(engine.getItem(table, { pk: { S: "c" }, sk: { N: "2" } })).toEqual(changing);
  });
});
