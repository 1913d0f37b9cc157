/**
 * `RaftDisk.load` with the applied index an item group's engine recorded: it replaces the one kept
 * beside the log (which a node no longer writes for item groups), raises a trailing commit index to
 * it, never goes below a snapshot, and refuses an index past the log.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ClusterConfigError } from "../../src/cluster/errors.js";
import { RaftDisk } from "../../src/cluster/raft-disk.js";
import type { Entry, Ready } from "../../src/replication/index.js";

let dir: string;
let disk: RaftDisk;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hakobune-raft-disk-"));
  disk = await RaftDisk.open(dir);
});

afterEach(async () => {
  await disk.close();
  await rm(dir, { recursive: true, force: true });
});

function entries(first: number, last: number): Entry[] {
  return Array.from({ length: last - first + 1 }, (_, k) => ({
    index: first + k,
    term: 1,
    kind: "command" as const,
    data: new Uint8Array([k]),
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

it("restarts from the engine's index, raising the commit index on disk to it", async () => {
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

it("never restarts below the snapshot, and refuses an index past the log", async () => {
  const config = { voters: ["a", "b", "c"], learners: [] };
  await disk.persist(
    "p0",
    ready({
      hardState: { term: 1, vote: "a", commit: 3 },
      snapshot: { index: 3, term: 1, config, data: new Uint8Array() },
      entries: entries(4, 6),
    }),
  );
  expect(disk.load("p0", 1).appliedIndex).toBe(3);
  expect(disk.load("p0", 6).appliedIndex).toBe(6);
  expect(() => disk.load("p0", 7)).toThrow(ClusterConfigError);
  expect(() => disk.load("p1", 2)).toThrow(ClusterConfigError);
  expect(disk.load("p1").appliedIndex).toBe(0);
});
