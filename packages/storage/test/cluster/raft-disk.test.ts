/**
 * The Raft store on its write-ahead log: what a node persisted comes back after a reopen (entries,
 * truncation of a conflicting suffix, hard state, snapshots in files, compaction, forgotten groups,
 * hosted groups and the cluster shape); a record a crash tore at the end of the log is dropped and the
 * log goes on after it, while damage before the end is refused; a new segment starts with a checkpoint
 * and the older ones are deleted; a data directory of the earlier LMDB-based store is converted. With
 * the applied index an item group's engine recorded, `load` restarts from it (never below the
 * snapshot, never past the log).
 */
import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open as openLmdb } from "lmdb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClusterConfigError } from "../../src/cluster/errors.js";
import { RaftDisk } from "../../src/cluster/raft-disk.js";
import { frameRecord, readRecords, WalCorruptionError } from "../../src/cluster/write-ahead-log.js";
import type { Entry, Ready, Snapshot } from "../../src/replication/index.js";

let dir: string;
const opened: RaftDisk[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hakobune-raft-disk-"));
});

afterEach(async () => {
  for (const disk of opened.splice(0)) await disk.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function openDisk(options: { maxSegmentBytes?: number } = {}): Promise<RaftDisk> {
  const disk = await RaftDisk.open(dir, options);
  opened.push(disk);
  return disk;
}

async function reopen(disk: RaftDisk, options: { maxSegmentBytes?: number } = {}): Promise<RaftDisk> {
  await disk.close();
  opened.splice(opened.indexOf(disk), 1);
  return openDisk(options);
}

function entries(first: number, last: number, term = 1, fill = 0): Entry[] {
  return Array.from({ length: last - first + 1 }, (_, k) => ({
    index: first + k,
    term,
    kind: "command" as const,
    data: new Uint8Array([first + k, fill, 7]),
  }));
}

function ready(parts: Partial<Ready>): Ready {
  return {
    hardState: undefined,
    snapshot: undefined,
    entries: [],
    messages: [],
    committedEntries: [],
    readStates: [],
    abandonedReads: [],
    ...parts,
  };
}

function snapshotAt(index: number, term: number, bytes: number[]): Snapshot {
  return { index, term, config: { voters: ["a", "b", "c"], learners: [] }, data: new Uint8Array(bytes) };
}

const walDir = () => join(dir, "wal");
const snapshotDir = () => join(dir, "snapshots");

async function segments(): Promise<string[]> {
  return (await readdir(walDir())).filter((name) => name.endsWith(".wal")).sort();
}

describe("the Raft store", () => {
  it("returns entries, hard state and applied index after a reopen, a conflicting suffix truncated", async () => {
    let disk = await openDisk();
    await disk.persist("p0", ready({ hardState: { term: 1, vote: "a", commit: 3 }, entries: entries(1, 6) }));
    // A new leader's entries from index 5 replace the old term's 5 and 6.
    await disk.persist(
      "p0",
      ready({ hardState: { term: 2, vote: "b", commit: 4 }, entries: entries(5, 5, 2) }),
      4,
    );
    await disk.persist(
      "meta",
      ready({ hardState: { term: 1, vote: undefined, commit: 1 }, entries: entries(1, 1) }),
    );
    disk = await reopen(disk);
    const p0 = disk.load("p0");
    expect(p0.hardState).toEqual({ term: 2, vote: "b", commit: 4 });
    expect(p0.appliedIndex).toBe(4);
    expect(p0.entries!.map((entry) => [entry.index, entry.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 2],
    ]);
    expect([...p0.entries![4]!.data]).toEqual([5, 0, 7]);
    expect(disk.load("meta").hardState).toEqual({ term: 1, vote: undefined, commit: 1 });
    expect(disk.load("p9")).toEqual({ entries: [], appliedIndex: 0 });
  });

  it("keeps a received snapshot in a file, drops the log it replaces, and deletes the file it replaced", async () => {
    let disk = await openDisk();
    await disk.persist("p0", ready({ hardState: { term: 1, vote: "a", commit: 2 }, entries: entries(1, 4) }));
    await disk.persist("p0", ready({ snapshot: snapshotAt(10, 3, [1, 2, 3]), entries: entries(11, 12, 3) }));
    expect(await readdir(snapshotDir())).toHaveLength(1);
    await disk.persist(
      "p0",
      ready({ snapshot: snapshotAt(20, 4, [4, 5]), hardState: { term: 4, vote: "c", commit: 20 } }),
    );
    expect(await readdir(snapshotDir())).toHaveLength(1);
    disk = await reopen(disk);
    const state = disk.load("p0");
    expect(state.snapshot?.index).toBe(20);
    expect(state.snapshot?.term).toBe(4);
    expect(state.snapshot?.config).toEqual({ voters: ["a", "b", "c"], learners: [] });
    expect([...(state.snapshot?.data ?? [])]).toEqual([4, 5]);
    expect(state.entries).toEqual([]);
    expect(state.appliedIndex).toBe(20);
  });

  it("compacts: the snapshot covers the entries up to its index, the later ones stay", async () => {
    let disk = await openDisk();
    await disk.persist(
      "p0",
      ready({ hardState: { term: 1, vote: "a", commit: 8 }, entries: entries(1, 10) }),
    );
    await disk.compact("p0", snapshotAt(6, 1, [9]));
    disk = await reopen(disk);
    const state = disk.load("p0");
    expect(state.snapshot?.index).toBe(6);
    expect(state.entries!.map((entry) => entry.index)).toEqual([7, 8, 9, 10]);
  });

  it("forgets a group wholly, and records the hosted groups and the cluster shape", async () => {
    let disk = await openDisk();
    const shape = { nodeId: "a", peers: ["a", "b", "c"], partitions: 2 };
    expect(await disk.checkShape(shape)).toEqual(shape);
    const record = { name: "p1", startHash: 0, endHash: 100, replicas: ["a", "b", "c"], version: 1 };
    await disk.hostGroups([record]);
    await disk.persist("p1", ready({ hardState: { term: 1, vote: "a", commit: 1 }, entries: entries(1, 3) }));
    await disk.compact("p1", snapshotAt(2, 1, [1]));
    await disk.forget("p1", []);
    expect(await readdir(snapshotDir())).toEqual([]);
    disk = await reopen(disk);
    expect(disk.load("p1")).toEqual({ entries: [], appliedIndex: 0 });
    expect(disk.hostedGroups()).toEqual([]);
    expect(await disk.checkShape({ nodeId: "a", peers: ["c", "b", "a"], partitions: 1 })).toEqual(shape);
    await expect(disk.checkShape({ nodeId: "b", peers: ["a", "b", "c"], partitions: 2 })).rejects.toThrow(
      ClusterConfigError,
    );
  });

  it("starts a split-off group from its snapshot and hard state in the same record as the hosted groups", async () => {
    let disk = await openDisk();
    const child = { name: "p0-1", startHash: 50, endHash: 100, replicas: ["a", "b", "c"], version: 2 };
    await disk.hostGroups([child], {
      group: "p0-1",
      snapshot: snapshotAt(1, 1, [42]),
      hardState: { term: 1, vote: undefined, commit: 1 },
    });
    disk = await reopen(disk);
    expect(disk.hostedGroups()).toEqual([child]);
    const state = disk.load("p0-1");
    expect(state.snapshot?.index).toBe(1);
    expect([...(state.snapshot?.data ?? [])]).toEqual([42]);
    expect(state.hardState).toEqual({ term: 1, vote: undefined, commit: 1 });
    expect(state.appliedIndex).toBe(1);
  });

  it("shares one write among the records appended in the same turn, each resolving once durable", async () => {
    let disk = await openDisk();
    await Promise.all(
      ["p0", "p1", "p2", "meta"].map((group, k) =>
        disk.persist(
          group,
          ready({ hardState: { term: 1, vote: "a", commit: k }, entries: entries(1, 2 + k) }),
        ),
      ),
    );
    disk = await reopen(disk);
    expect(disk.load("p2").entries).toHaveLength(4);
    expect(disk.load("meta").hardState?.commit).toBe(3);
  });
});

describe("the write-ahead log under damage", () => {
  it("drops a record a crash tore at the end, and appends after the whole ones", async () => {
    let disk = await openDisk();
    await disk.persist("p0", ready({ hardState: { term: 1, vote: "a", commit: 1 }, entries: entries(1, 3) }));
    await disk.persist("p0", ready({ entries: entries(4, 6) }));
    const [segment] = await segments();
    const path = join(walDir(), segment!);
    const whole = (await stat(path)).size;
    // Half of the last record reached the disk.
    await truncate(path, whole - 5);
    disk = await reopen(disk);
    expect(disk.load("p0").entries!.map((entry) => entry.index)).toEqual([1, 2, 3]);
    expect((await stat(path)).size).toBeLessThan(whole - 5);
    await disk.persist("p0", ready({ entries: entries(4, 4, 1, 9) }));
    disk = await reopen(disk);
    expect(disk.load("p0").entries!.map((entry) => entry.data[1])).toEqual([0, 0, 0, 9]);
  });

  it("drops a last record whose checksum does not match (a write that reached the disk in part)", async () => {
    let disk = await openDisk();
    await disk.persist("p0", ready({ hardState: { term: 1, vote: "a", commit: 1 }, entries: entries(1, 1) }));
    await disk.persist("p0", ready({ hardState: { term: 2, vote: "b", commit: 1 } }));
    const path = join(walDir(), (await segments())[0]!);
    const bytes = await readFile(path);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    disk = await reopen(disk);
    expect(disk.load("p0").hardState).toEqual({ term: 1, vote: "a", commit: 1 });
  });

  it("refuses to open when a segment before the last is damaged", async () => {
    const disk = await openDisk({ maxSegmentBytes: 1 });
    for (let k = 1; k <= 3; k++) await disk.persist("p0", ready({ entries: entries(k, k) }));
    await disk.close();
    opened.splice(0);
    // A segment before the last one, damaged: more damage follows than a torn tail.
    const second = join(walDir(), "0000000000000099.wal");
    await writeFile(second, frameRecord(Buffer.from("x")));
    await appendFile(second, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const last = join(walDir(), "0000000000000100.wal");
    await writeFile(last, Buffer.alloc(0));
    await expect(RaftDisk.open(dir)).rejects.toThrow(WalCorruptionError);
  });

  it("reads framed records back and stops at the first incomplete one", () => {
    const one = frameRecord(Buffer.from("one"));
    const two = frameRecord(Buffer.from("two"));
    const bytes = Buffer.concat([one, two.subarray(0, two.length - 1)]);
    const { payloads, end } = readRecords(bytes);
    expect(payloads.map(String)).toEqual(["one"]);
    expect(end).toBe(one.length);
  });
});

describe("segments", () => {
  it("starts a new segment with a checkpoint past the bound and deletes the older ones", async () => {
    let disk = await openDisk({ maxSegmentBytes: 2_000 });
    await disk.checkShape({ nodeId: "a", peers: ["a", "b", "c"], partitions: 1 });
    for (let k = 1; k <= 200; k++) {
      await disk.persist(
        "p0",
        ready({ hardState: { term: 1, vote: "a", commit: k }, entries: entries(k, k) }),
      );
      if (k % 50 === 0) await disk.compact("p0", snapshotAt(k - 10, 1, [k]));
    }
    const names = await segments();
    expect(names.length).toBe(1);
    expect(names[0]).not.toBe("0000000000000001.wal");
    expect((await stat(join(walDir(), names[0]!))).size).toBeLessThan(10_000);
    disk = await reopen(disk, { maxSegmentBytes: 2_000 });
    const state = disk.load("p0");
    expect(state.snapshot?.index).toBe(190);
    expect(state.entries!.map((entry) => entry.index)).toEqual(Array.from({ length: 10 }, (_, k) => 191 + k));
    expect(state.hardState?.commit).toBe(200);
    expect(await disk.checkShape({ nodeId: "a", peers: ["a", "b", "c"], partitions: 1 })).toMatchObject({
      partitions: 1,
    });
    expect(await readdir(snapshotDir())).toHaveLength(1);
  });

  it("deletes snapshot files no record refers to (written just before a crash)", async () => {
    let disk = await openDisk();
    await disk.compact("p0", snapshotAt(1, 1, [1]));
    await writeFile(join(snapshotDir(), "p0-5-orphan.snap"), Buffer.from([5]));
    await writeFile(join(snapshotDir(), "p0-6-orphan.snap.partial"), Buffer.from([6]));
    disk = await reopen(disk);
    expect(await readdir(snapshotDir())).toHaveLength(1);
    expect([...(disk.load("p0").snapshot?.data ?? [])]).toEqual([1]);
  });
});

describe("a data directory of the LMDB-based store", () => {
  it("is converted into the log, entries, hard state, snapshot, applied index, shape and groups included", async () => {
    const root = openLmdb({ path: dir, noSubdir: false, maxDbs: 2 });
    const db = root.openDB<unknown, (string | number)[]>({ name: "raft" });
    const shape = { nodeId: "b", peers: ["a", "b", "c"], partitions: 1 };
    const record = { name: "p0", startHash: 0, endHash: 100, replicas: ["a", "b", "c"], version: 1 };
    await db.put(["cluster", "shape"], shape);
    await db.put(["cluster", "groups"], [record]);
    await db.put(["p0", "snap"], snapshotAt(2, 1, [8, 9]));
    for (const entry of entries(1, 5)) {
      await db.put(["p0", "e", entry.index], { term: entry.term, kind: entry.kind, data: entry.data });
    }
    await db.put(["p0", "hs"], { term: 1, vote: "a", commit: 4 });
    await db.put(["meta", "hs"], { term: 3, vote: null, commit: 0 });
    await db.put(["meta", "applied"], 0);
    await root.close();

    let disk = await openDisk();
    expect(await readdir(dir)).not.toContain("data.mdb");
    disk = await reopen(disk);
    expect(disk.hostedGroups()).toEqual([record]);
    expect(await disk.checkShape(shape)).toEqual(shape);
    const p0 = disk.load("p0", 3);
    expect(p0.snapshot?.index).toBe(2);
    expect([...(p0.snapshot?.data ?? [])]).toEqual([8, 9]);
    expect(p0.entries!.map((entry) => entry.index)).toEqual([3, 4, 5]);
    expect([...p0.entries![0]!.data]).toEqual([3, 0, 7]);
    expect(p0.hardState).toEqual({ term: 1, vote: "a", commit: 4 });
    expect(disk.load("meta").hardState).toEqual({ term: 3, vote: undefined, commit: 0 });
  });
});

describe("the applied index an item group's engine recorded", () => {
  it("replaces the one kept beside the log, raising the commit index on disk to it", async () => {
    const disk = await openDisk();
    await disk.persist(
      "p0",
      ready({ hardState: { term: 1, vote: "a", commit: 2 }, entries: entries(1, 5) }),
      1,
    );
    expect(disk.load("p0").appliedIndex).toBe(1);
    const state = disk.load("p0", 4);
    expect(state.appliedIndex).toBe(4);
    expect(state.hardState?.commit).toBe(4);
    expect(state.entries).toHaveLength(5);
    // An engine behind the index kept beside the log wins too: it is what the items hold.
    expect(disk.load("p0", 0).appliedIndex).toBe(0);
  });

  it("never restarts below the snapshot, and is refused past the log", async () => {
    const disk = await openDisk();
    await disk.persist(
      "p0",
      ready({
        hardState: { term: 1, vote: "a", commit: 3 },
        snapshot: snapshotAt(3, 1, []),
        entries: entries(4, 6),
      }),
    );
    expect(disk.load("p0", 1).appliedIndex).toBe(3);
    expect(disk.load("p0", 6).appliedIndex).toBe(6);
    expect(() => disk.load("p0", 7)).toThrow(ClusterConfigError);
    expect(() => disk.load("p1", 2)).toThrow(ClusterConfigError);
    expect(disk.load("p1").appliedIndex).toBe(0);
  });
});
