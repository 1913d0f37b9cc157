/**
 * `StorageEngine.getItemJson`: the stored JSON text of an item, which GetItem sends on unparsed. It
 * must be exactly `JSON.stringify` of what `getItem` returns, follow every committed write, and refuse
 * a deleted table as `getItem` does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { StorageEngine } from "../../src/engine/storage-engine.js";
import type { TableRecord } from "../../src/engine/table-record.js";
import { DynamoError } from "../../src/errors.js";
import type { Item } from "../../src/values/types.js";

let dataDir: string;
let engine: StorageEngine;
let table: TableRecord;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hakobune-item-json-"));
  engine = await StorageEngine.open({ dataDir });
  table = await engine.createTable({
    name: "items",
    keySchema: { partitionKey: { name: "pk", type: "S" }, sortKey: { name: "sk", type: "N" } },
    definition: {},
  });
});

afterEach(async () => {
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
});

const key: Item = { pk: { S: "a" }, sk: { N: "1" } };

function put(item: Item): Promise<void> {
  return engine.transact((tx) => tx.put(table, item));
}

it("is the JSON text of the item getItem reads, attribute order and escapes included", async () => {
  const item: Item = {
    ...key,
    "10": { S: "integer-like names come first in JSON" },
    text: { S: 'quote " \\ \n \u2028 é 🚢 \ud800' },
    nested: { M: { l: { L: [{ NULL: true }, { BOOL: false }, { SS: ["x"] }] } } },
  };
  Object.defineProperty(item, "__proto__", { value: { S: "own" }, enumerable: true });
  await put(item);
  const json = engine.getItemJson(table, key);
  expect(json).toBe(JSON.stringify(engine.getItem(table, key)));
  expect(json).toBe(JSON.stringify(item));
  expect(Object.keys(JSON.parse(json as string))).toContain("__proto__");
});

it("is undefined for a missing item, and follows overwrites and deletes", async () => {
  expect(engine.getItemJson(table, key)).toBeUndefined();
  await put({ ...key, v: { N: "1" } });
  await put({ ...key, v: { N: "2" } });
  expect(JSON.parse(engine.getItemJson(table, key) as string)).toEqual({ ...key, v: { N: "2" } });
  await engine.transact((tx) => tx.delete(table, key));
  expect(engine.getItemJson(table, key)).toBeUndefined();
});

it("finds only the item with that key, numeric sort keys compared as numbers", async () => {
  await put({ ...key, v: { S: "one" } });
  expect(engine.getItemJson(table, { pk: { S: "a" }, sk: { N: "2" } })).toBeUndefined();
  expect(engine.getItemJson(table, { pk: { S: "b" }, sk: { N: "1" } })).toBeUndefined();
  expect(engine.getItemJson(table, { pk: { S: "a" }, sk: { N: "1.0" } })).toBe(
    engine.getItemJson(table, key),
  );
});

it("refuses a deleted table and a key of the wrong type, as getItem does", async () => {
  expect(() => engine.getItemJson(table, { pk: { N: "1" }, sk: { N: "1" } })).toThrow(DynamoError);
  await engine.deleteTable("items");
  expect(() => engine.getItemJson(table, key)).toThrow(
    expect.objectContaining({ type: "ResourceNotFoundException" }),
  );
});
