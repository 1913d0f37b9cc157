/**
 * An acknowledged write survives `kill -9`: a child process writes items and prints each one after its
 * write resolved; the test kills it mid-stream with SIGKILL, reopens the store and finds every
 * printed item, and the counters agree with the items found.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { StorageEngine } from "../../src/engine/storage-engine.js";
import { itemSizeBytes } from "../../src/values/size.js";

const writerScript = fileURLToPath(new URL("./crash-writer.mjs", import.meta.url));
const builtEngine = fileURLToPath(new URL("../../dist/engine/index.js", import.meta.url));
/** Acknowledged writes to wait for before the kill, per round. */
const acknowledgedBeforeKill = 300;
const rounds = 2;

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hakobune-crash-"));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the writer until it acknowledged `acknowledgedBeforeKill` writes, kills it, returns what it acknowledged. */
function writeUntilKilled(): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    const acknowledged: number[] = [];
    let pending = "";
    let stderr = "";
    let killed = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (/^\d+$/.test(line)) acknowledged.push(Number(line));
      if (!killed && acknowledged.length >= acknowledgedBeforeKill) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      // Lines read before the kill are acknowledged; a partial last line is not.
      if (signal === "SIGKILL") resolve(acknowledged);
      else reject(new Error(`writer exited with ${code ?? signal} before the kill: ${stderr}`));
    });
  });
}

it("keeps every acknowledged write after SIGKILL", async () => {
  expect(existsSync(builtEngine), "build the package first (tsc -b)").toBe(true);
  const everAcknowledged = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    for (const n of await writeUntilKilled()) everAcknowledged.add(n);
    const engine = await StorageEngine.open({ dataDir });
    try {
      const table = engine.getTable("crash");
      expect(table).toBeDefined();
      // Every round starts numbering at 0 again, so later rounds overwrite earlier items.
      const missing = [...everAcknowledged].filter(
        (n) => engine.getItem(table!, { pk: { S: `p${n % 13}` }, sk: { N: String(n) } }) === undefined,
      );
      expect(missing).toEqual([]);
      const storedItems = [...engine.scan(table!, {})];
      const stored = storedItems.length;
      expect(stored).toBeGreaterThanOrEqual(everAcknowledged.size);
      // Counters are stored once per commit, in the commit's own transaction: exact after the kill.
      expect(engine.tableStats("crash")).toEqual({
        itemCount: stored,
        sizeBytes: storedItems.reduce((sum, item) => sum + itemSizeBytes(item), 0),
      });
    } finally {
      await engine.close();
    }
  }
});
