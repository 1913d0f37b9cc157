/**
 * Child process of the crash test: opens the store in the directory given as its argument (with the
 * built engine), then writes items forever from several concurrent writers, printing each item's
 * number on its own line only after its write promise resolved (that is, once acknowledged).
 */
import { StorageEngine } from "../../dist/engine/index.js";

const dataDir = process.argv[2];
const concurrentWriters = 8;

const engine = await StorageEngine.open({ dataDir });
const table =
  engine.getTable("crash") ??
  (await engine.createTable({
    name: "crash",
    keySchema: { partitionKey: { name: "pk", type: "S" }, sortKey: { name: "sk", type: "N" } },
    definition: {},
  }));
process.stdout.write("ready\n");

let next = 0;
async function writer() {
  for (;;) {
    const n = next++;
    await engine.transact((tx) => {
      tx.put(table, { pk: { S: `p${n % 13}` }, sk: { N: String(n) }, payload: { S: "x".repeat(n % 200) } });
    });
    process.stdout.write(`${n}\n`);
  }
}
await Promise.all(Array.from({ length: concurrentWriters }, writer));
