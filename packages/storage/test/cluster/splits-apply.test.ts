/**
 * Applying a split in one item group's state machine, against a real engine: the group keeps the lower
 * half; writes and locks decided for the upper half after the split entry are refused, the same way
 * when the entries are applied and when a restart replays them; a split is refused while the group
 * holds a lock or when it names a range the group no longer has; a snapshot carries the range and the
 * splits, and installing it replaces the stale items of that range and names the groups split off.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Command, encodeCommand } from "../../src/cluster/commands.js";
import { type GroupRecord, partitionKeyHash, splitGroupName } from "../../src/cluster/group-map.js";
import type { ApplyResult } from "../../src/cluster/replica.js";
import { PartitionStateMachine } from "../../src/cluster/state-machines.js";
import { locateItem, StorageEngine, type TableRecord } from "../../src/engine/index.js";
import type { Entry } from "../../src/replication/index.js";

const hashSpaceSize = 2 ** 32;
const midHash = 2 ** 31;
const keySchema = { partitionKey: { name: "pk", type: "S" as const } };
/** Candidate keys searched for one in each half of the hash space. */
const maxKeyCandidates = 1_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function openEngine(): Promise<{ engine: StorageEngine; table: TableRecord }> {
  const dir = await mkdtemp(join(tmpdir(), "hakobune-split-apply-"));
  const engine = await StorageEngine.open({ dataDir: dir, initialPartitionsPerTable: 1 });
  cleanups.push(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });
  const table = await engine.createTable({ name: "t", keySchema, definition: { tableId: "t-1" } });
  return { engine, table };
}

/** `count` keys whose hash lies in the lower (or upper) half. */
function keysIn(half: "lower" | "upper", count: number, prefix: string): string[] {
  const keys: string[] = [];
  for (let n = 0; n < maxKeyCandidates && keys.length < count; n++) {
    const key = `${prefix}${n}`;
    const hash = partitionKeyHash(keySchema, { pk: { S: key } })!;
    if (hash < midHash === (half === "lower")) keys.push(key);
  }
  return keys;
}

function machineOn(engine: StorageEngine) {
  const splits: { child: GroupRecord; parent: string }[] = [];
  const learned: GroupRecord[][] = [];
  const machine = new PartitionStateMachine({
    engine,
    group: "p0",
    initialRange: { startHash: 0, endHash: hashSpaceSize },
    metaAppliedIndex: () => 0,
    waitForMeta: async () => undefined,
    onSplit: async (child, parent) => {
      splits.push({ child, parent: parent.group });
    },
    onChildrenLearned: async (children) => {
      learned.push([...children]);
    },
  });
  return { machine, splits, learned };
}

function entries(commands: readonly Command[]): Entry[] {
  return commands.map((command, position) => ({
    index: position + 1,
    term: 1,
    kind: "command",
    data: encodeCommand(command),
  }));
}

const put = (key: string, value: string): Command => ({
  kind: "write",
  metaIndex: 0,
  writes: [{ table: "t", tableId: "t-1", item: { pk: { S: key }, v: { S: value } } }],
});
const split: Command = {
  kind: "split",
  startHash: 0,
  midHash,
  endHash: hashSpaceSize,
  newGroup: splitGroupName(midHash),
  replicas: ["a", "b", "c"],
};

function lockOf(table: TableRecord, txId: string, key: string): Command {
  const itemKey = locateItem(table, { pk: { S: key } }).key.toString("latin1");
  return { kind: "lock", txId, coordinator: "p0", lockedAtMs: 0, itemKeys: [itemKey] };
}

function outcomes(results: Map<number, ApplyResult>): Record<number, string> {
  return Object.fromEntries(
    [...results].map(([index, result]) => [
      index,
      result.ok ? "ok" : ((result.error as { code?: string }).code ?? String(result.error)),
    ]),
  );
}

describe("a split applied in a group's state machine", () => {
  it("keeps the lower half and refuses the writes and locks decided for the upper half after it", async () => {
    const { engine, table } = await openEngine();
    const [low1, low2] = keysIn("lower", 2, "k");
    const [high1, high2] = keysIn("upper", 2, "k");
    const { machine, splits } = machineOn(engine);
    const log = entries([
      put(high1!, "before"),
      put(low1!, "before"),
      split,
      put(high2!, "after"),
      put(low2!, "after"),
      lockOf(table, "tx-high", high1!),
      lockOf(table, "tx-low", low1!),
      split,
    ]);
    const results = await machine.apply(log);
    expect(outcomes(results)).toEqual({
      3: "ok",
      4: "GROUP_MAP_CHANGED",
      6: "GROUP_MAP_CHANGED",
      8: "CLUSTER_BUSY",
    });
    expect(splits).toEqual([
      {
        parent: "p0",
        child: { name: "p-80000000", startHash: midHash, endHash: hashSpaceSize, replicas: ["a", "b", "c"] },
      },
    ]);
    expect(machine.range).toEqual({ startHash: 0, endHash: midHash });
    expect(machine.children.map((child) => child.name)).toEqual(["p-80000000"]);
    expect(engine.getItem(table, { pk: { S: high1! } })?.v).toEqual({ S: "before" });
    expect(engine.getItem(table, { pk: { S: high2! } })).toBeUndefined();
    expect(engine.getItem(table, { pk: { S: low2! } })?.v).toEqual({ S: "after" });
    expect([...machine.transactions.locks()].map((lock) => lock.txId)).toEqual(["tx-low"]);

    // A restart replays the same entries over the snapshot-less log to the same state.
    const { machine: restarted } = machineOn(engine);
    restarted.restore({ entries: log, appliedIndex: log.length });
    expect(restarted.range).toEqual(machine.range);
    expect(restarted.children).toEqual(machine.children);
    expect([...restarted.transactions.locks()].map((lock) => lock.txId)).toEqual(["tx-low"]);
  });

  it("refuses a split while the group holds a lock, and changes nothing", async () => {
    const { engine, table } = await openEngine();
    const [low] = keysIn("lower", 1, "l");
    const { machine, splits } = machineOn(engine);
    const results = await machine.apply(entries([lockOf(table, "tx", low!), split]));
    expect(outcomes(results)).toEqual({ 2: "CLUSTER_BUSY" });
    expect(splits).toEqual([]);
    expect(machine.range).toEqual({ startHash: 0, endHash: hashSpaceSize });
    expect(machine.children).toEqual([]);
  });

  it("carries the range and the splits in its snapshot, and an install replaces that range's stale items", async () => {
    const { engine: source } = await openEngine();
    const [low] = keysIn("lower", 1, "s");
    const [high] = keysIn("upper", 1, "s");
    const { machine } = machineOn(source);
    await machine.apply(entries([put(low!, "fresh"), split]));
    const snapshot = machine.snapshot();

    const { engine: stale, table } = await openEngine();
    const [staleLow] = keysIn("lower", 1, "gone");
    await stale.transact((tx) => {
      tx.put(table, { pk: { S: staleLow! }, v: { S: "stale" } });
      tx.put(table, { pk: { S: high! }, v: { S: "upper, left for the new group's own snapshot" } });
    });
    const { machine: installing, learned } = machineOn(stale);
    await installing.install(snapshot, 2);
    expect(installing.range).toEqual({ startHash: 0, endHash: midHash });
    expect(learned).toEqual([[machine.children[0]]]);
    expect(stale.getItem(table, { pk: { S: staleLow! } })).toBeUndefined();
    expect(stale.getItem(table, { pk: { S: low! } })?.v).toEqual({ S: "fresh" });
    expect(stale.getItem(table, { pk: { S: high! } })).toBeDefined();
  });
});
