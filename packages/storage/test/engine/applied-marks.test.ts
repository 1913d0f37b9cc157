/**
 * The engine's applied marks and its no-flush mode (`flushItemWrites: false`), which a storage node
 * uses: a mark is committed with the writes of the same `transact` (both or neither), each group keeps
 * its own, and marks, items and counters survive a reopen.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageEngine } from "../../src/engine/storage-engine.js";
import type { TableRecord } from "../../src/engine/table-record.js";

let dataDir: string;
let engine: StorageEngine;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hakobune-applied-marks-"));
});

afterEach(async () => {
  await engine?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function openWithTable(flushItemWrites: boolean): Promise<TableRecord> {
  engine = await StorageEngine.open({ dataDir, flushItemWrites });
  return (
    engine.getTable("items") ??
    (await engine.createTable({
      name: "items",
      keySchema: { partitionKey: { name: "pk", type: "S" } },
      definition: {},
    }))
  );
}

for (const flushItemWrites of [true, false]) {
  describe(`flushItemWrites: ${flushItemWrites}`, () => {
    it("commits a mark with the writes of its transaction, per group, and keeps both across a reopen", async () => {
      let table = await openWithTable(flushItemWrites);
      expect(engine.appliedIndexOf("p0")).toBeUndefined();
      await engine.transact((tx) => tx.put(table, { pk: { S: "a" } }), { group: "p0", index: 7 });
      await engine.transact((tx) => tx.put(table, { pk: { S: "b" } }), { group: "p1", index: 3 });
      await engine.transact(() => undefined, { group: "p0", index: 9 });
      expect(engine.appliedIndexOf("p0")).toBe(9);
      expect(engine.appliedIndexOf("p1")).toBe(3);
      await engine.flush();
      await engine.close();

      table = await openWithTable(flushItemWrites);
      expect(engine.appliedIndexOf("p0")).toBe(9);
      expect(engine.appliedIndexOf("p1")).toBe(3);
      expect(engine.getItem(table, { pk: { S: "a" } })).toEqual({ pk: { S: "a" } });
      expect(engine.tableStats("items").itemCount).toBe(2);
    });

    it("writes neither the items nor the mark of a transaction whose body throws", async () => {
      const table = await openWithTable(flushItemWrites);
      await engine.transact((tx) => tx.put(table, { pk: { S: "a" } }), { group: "p0", index: 1 });
      const failing = engine.transact(
        (tx) => {
          tx.put(table, { pk: { S: "b" } });
          throw new Error("refused");
        },
        { group: "p0", index: 2 },
      );
      await expect(failing).rejects.toThrow("refused");
      expect(engine.appliedIndexOf("p0")).toBe(1);
      expect(engine.getItem(table, { pk: { S: "b" } })).toBeUndefined();
      expect(engine.tableStats("items").itemCount).toBe(1);
    });
  });
}

it("keeps table changes durable without flushing item writes", async () => {
  await openWithTable(false);
  await engine.createTable({
    name: "second",
    keySchema: { partitionKey: { name: "id", type: "N" } },
    definition: {},
  });
  await engine.deleteTable("items");
  await engine.close();
  engine = await StorageEngine.open({ dataDir, flushItemWrites: false });
  expect(engine.listTableNames()).toEqual(["second"]);
});
