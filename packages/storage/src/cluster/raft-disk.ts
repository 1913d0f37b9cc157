/**
 * The durable half of every Raft group a storage node hosts: hard state, log entries, the latest
 * snapshot and the applied index, plus the node's cluster shape and hosted groups. Everything but
 * snapshot images goes to one write-ahead log (`wal/`, see `write-ahead-log.ts`), so that one round of
 * replication costs one write and one `fdatasync` for all the node's groups together; a snapshot image
 * goes to a file of its own (`snapshots/`), synced before the log record that refers to it, and the
 * file it replaces is deleted once that record is durable. `persist` carries out step 1 of the `Ready`
 * contract — snapshot, then entries (truncating any conflicting suffix), then hard state — as one
 * record, and resolves only once it is on disk, so the messages of the same batch may then promise
 * what it wrote.
 *
 * The state is kept in memory too (the log entries since the last snapshot, which the group's
 * `RaftNode` holds anyway): it is what `load` answers from, and what a new segment's checkpoint holds.
 * Data directories written by the earlier LMDB-based store (`data.mdb` here) are converted at open.
 */
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { mkdir, open as openFile, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { open as openLmdb } from "lmdb";
import type {
  Configuration,
  Entry,
  EntryKind,
  HardState,
  RaftStorageState,
  Ready,
  Snapshot,
} from "../replication/index.js";
import { ClusterConfigError } from "./errors.js";
import type { GroupRecord } from "./group-map.js";
import { WriteAheadLog } from "./write-ahead-log.js";

/** The cluster shape a data directory was created for; a node refuses to start with another id or peer set. */
export interface ClusterShape {
  nodeId: string;
  peers: string[];
  /** Item groups the cluster started with. */
  partitions: number;
}

export interface RaftDiskOptions {
  /** Bytes past which the log starts a new segment. Default 64 MiB (see `WriteAheadLogOptions`). */
  maxSegmentBytes?: number;
}

/** What the log reports as it works, for metrics (see `RaftDisk.observe`). */
export interface RaftLogObserver {
  synced(seconds: number, records: number, bytes: number): void;
  rotated(checkpointBytes: number): void;
}

interface StoredHardState {
  term: number;
  vote: string | null;
  commit: number;
}

/** A snapshot as the log records it: its image is in `snapshots/<file>`. */
interface SnapshotRef {
  index: number;
  term: number;
  config: Configuration;
  file: string;
}

interface GroupState {
  hardState?: StoredHardState;
  snapshot?: SnapshotRef;
  applied?: number;
  /** The entries after the snapshot, in index order, without gaps. */
  entries: Entry[];
}

/** An entry in a record's header: index, term, kind and the length of its data among the blobs. */
type EntryHeader = [number, number, EntryKind, number];

interface GroupHeader {
  hardState?: StoredHardState;
  snapshot?: SnapshotRef;
  applied?: number;
  entries?: EntryHeader[];
}

/** The records of the log; entries' data follows the JSON header as blobs, in order. */
type RecordHeader =
  | { kind: "shape"; shape: ClusterShape }
  | { kind: "hosted"; groups: GroupRecord[]; start?: { group: string; state: GroupHeader } }
  | { kind: "persist"; group: string; state: GroupHeader }
  | { kind: "forget"; group: string; groups: GroupRecord[] }
  | { kind: "compact"; group: string; snapshot: SnapshotRef }
  | {
      kind: "checkpoint";
      shape?: ClusterShape;
      hosted?: GroupRecord[];
      groups: [string, GroupHeader][];
    };

const snapshotSuffix = ".snap";

function encodeRecord(header: RecordHeader, blobs: readonly Uint8Array[]): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32LE(json.length, 0);
  return Buffer.concat([prefix, json, ...blobs]);
}

function decodeRecord(payload: Buffer): { header: RecordHeader; blobs: Buffer } {
  const length = payload.readUInt32LE(0);
  const header = JSON.parse(payload.toString("utf8", 4, 4 + length)) as RecordHeader;
  return { header, blobs: payload.subarray(4 + length) };
}

function entryHeaders(entries: readonly Entry[], blobs: Uint8Array[]): EntryHeader[] {
  return entries.map((entry) => {
    blobs.push(entry.data);
    return [entry.index, entry.term, entry.kind, entry.data.length];
  });
}

/** The entries of `headers`, their data copied out of `blobs` from `offset`; returns the offset after. */
function readEntries(headers: readonly EntryHeader[], blobs: Buffer, offset: number, into: Entry[]): number {
  let at = offset;
  for (const [index, term, kind, length] of headers) {
    // A copy: the record's buffer holds the whole segment, which must not stay alive for one entry.
    into.push({ index, term, kind, data: new Uint8Array(blobs.subarray(at, at + length)) });
    at += length;
  }
  return at;
}

function storedHardState(hardState: HardState): StoredHardState {
  return { term: hardState.term, vote: hardState.vote ?? null, commit: hardState.commit };
}

/** Appends `entries` to `state`, first dropping the entries from the first one's index on. */
function appendEntries(state: GroupState, entries: readonly Entry[]): void {
  const first = entries[0];
  if (!first) return;
  // The entries have no gaps: an entry's position is its index less the first one's.
  const keep = first.index - (state.entries[0]?.index ?? first.index);
  if (keep < state.entries.length) state.entries.length = Math.max(0, keep);
  for (const entry of entries) state.entries.push(entry);
}

/** Drops the entries up to `index` (which a snapshot now covers). */
function dropCompacted(state: GroupState, index: number): void {
  const drop = index + 1 - (state.entries[0]?.index ?? index + 1);
  if (drop > 0) state.entries = state.entries.slice(drop);
}

export class RaftDisk {
  readonly #dir: string;
  readonly #snapshotDir: string;
  readonly #groups = new Map<string, GroupState>();
  #shape: ClusterShape | undefined;
  #hosted: GroupRecord[] | undefined;
  #log!: WriteAheadLog;
  #observer: RaftLogObserver | undefined;

  private constructor(dir: string) {
    this.#dir = dir;
    this.#snapshotDir = join(dir, "snapshots");
  }

  /** Opens (or creates) the Raft store in `dir`. */
  static async open(dir: string, options: RaftDiskOptions = {}): Promise<RaftDisk> {
    const disk = new RaftDisk(dir);
    const walDir = join(dir, "wal");
    await mkdir(walDir, { recursive: true });
    await mkdir(disk.#snapshotDir, { recursive: true });
    disk.#log = await WriteAheadLog.open({
      dir: walDir,
      onRecord: (payload) => disk.#replay(payload),
      checkpoint: () => disk.#checkpointRecord(),
      onSync: (seconds, records, bytes) => disk.#observer?.synced(seconds, records, bytes),
      onRotate: (bytes) => disk.#observer?.rotated(bytes),
      ...(options.maxSegmentBytes !== undefined ? { maxSegmentBytes: options.maxSegmentBytes } : {}),
    });
    await disk.#convertLmdbStore();
    disk.#deleteUnreferencedSnapshots();
    return disk;
  }

  async close(): Promise<void> {
    await this.#log.close();
  }

  /** Reports the log's syncs and rotations to `observer` from now on. */
  observe(observer: RaftLogObserver): void {
    this.#observer = observer;
  }

  /**
   * Records the cluster shape on first start, and afterwards checks that the node id and the peer set
   * are unchanged: a node must never rejoin under another id or peer set, or it would vote and
   * acknowledge for groups whose history it does not hold. Resolves with the stored shape: its
   * `partitions` is the initial group count the data was created with (splits change the count since,
   * and the groups a node hosts are recorded apart, see `hostedGroups`).
   */
  async checkShape(shape: ClusterShape): Promise<ClusterShape> {
    const stored = this.#shape;
    if (stored === undefined) {
      this.#shape = shape;
      await this.#log.append(encodeRecord({ kind: "shape", shape }, []));
      return shape;
    }
    const same =
      stored.nodeId === shape.nodeId &&
      [...stored.peers].sort().join(",") === [...shape.peers].sort().join(",");
    if (!same) {
      throw new ClusterConfigError(
        `the data directory belongs to node ${stored.nodeId} of peers ${stored.peers.join(",")}; it cannot start as node ${shape.nodeId} of ${shape.peers.join(",")}`,
      );
    }
    return stored;
  }

  /** The item groups this node hosts, each with the range it had when the node started it; undefined before the first start. */
  hostedGroups(): GroupRecord[] | undefined {
    return this.#hosted;
  }

  /**
   * Records `groups` as the item groups this node hosts and, for a group split off on this node, its
   * initial Raft state (`start`: a snapshot of the items the engine already holds, with the hard state
   * and applied index at that snapshot), in one durable record: after a crash the node either hosts
   * the new group with its starting state or applies the split again.
   */
  async hostGroups(
    groups: readonly GroupRecord[],
    start?: { group: string; snapshot: Snapshot; hardState: HardState },
  ): Promise<void> {
    if (!start) {
      this.#hosted = [...groups];
      await this.#log.append(encodeRecord({ kind: "hosted", groups: [...groups] }, []));
      return;
    }
    const { group, snapshot, hardState } = start;
    const ref = await this.#writeSnapshot(group, snapshot);
    // Read after the write: another record may have replaced the group's snapshot meanwhile.
    const replaced = this.#groups.get(group)?.snapshot;
    const state: GroupHeader = {
      snapshot: ref,
      hardState: storedHardState(hardState),
      applied: snapshot.index,
    };
    this.#hosted = [...groups];
    this.#groups.set(group, { ...state, entries: [] });
    await this.#log.append(
      encodeRecord({ kind: "hosted", groups: [...groups], start: { group, state } }, []),
    );
    await this.#deleteSnapshot(replaced);
  }

  /**
   * What earlier runs persisted for `group`, to restore its `RaftNode`. `stateMachineAppliedIndex` is
   * the index the group's state machine recorded with its own state, when it keeps one (see
   * `GroupStateMachine.flush`): it then replaces the applied index stored here (a committed index, so
   * the commit index is raised to it where the commit on disk trails; it never runs past the log).
   */
  load(group: string, stateMachineAppliedIndex?: number): RaftStorageState {
    const stored = this.#groups.get(group);
    const hard = stored?.hardState;
    const ref = stored?.snapshot;
    const snapshot: Snapshot | undefined = ref
      ? {
          index: ref.index,
          term: ref.term,
          config: ref.config,
          data: new Uint8Array(readFileSync(join(this.#snapshotDir, ref.file))),
        }
      : undefined;
    const applied = stored?.applied;
    const snapshotIndex = snapshot?.index ?? 0;
    const entries = (stored?.entries ?? []).filter((entry) => entry.index > snapshotIndex);
    let hardState: HardState | undefined = hard
      ? { term: hard.term, vote: hard.vote ?? undefined, commit: hard.commit }
      : undefined;
    let appliedIndex: number;
    if (stateMachineAppliedIndex === undefined) {
      const commit = Math.max(hardState?.commit ?? 0, snapshotIndex);
      appliedIndex = Math.min(Math.max(applied ?? 0, snapshotIndex), commit);
    } else {
      const lastIndex = snapshotIndex + entries.length;
      if (stateMachineAppliedIndex > lastIndex || (stateMachineAppliedIndex > 0 && !hardState)) {
        throw new ClusterConfigError(
          `group ${group}: the items were applied up to ${stateMachineAppliedIndex}, past the Raft log (last index ${lastIndex})`,
        );
      }
      // A snapshot the engine has not installed yet (the Raft store took it just before a crash)
      // cannot be replayed from the log; restarting at it is what the Raft store alone did before.
      appliedIndex = Math.max(stateMachineAppliedIndex, snapshotIndex);
      if (hardState && hardState.commit < appliedIndex) hardState = { ...hardState, commit: appliedIndex };
    }
    return {
      ...(hardState ? { hardState } : {}),
      ...(snapshot ? { snapshot } : {}),
      entries,
      appliedIndex,
    };
  }

  /**
   * Persists step 1 of `ready` for `group` and, when given, the index the state machine has durably
   * applied (always a committed index, so it never runs ahead of the hard state written with it).
   */
  async persist(group: string, ready: Ready, appliedIndex?: number): Promise<void> {
    const { snapshot, entries, hardState } = ready;
    if (!snapshot && entries.length === 0 && !hardState && appliedIndex === undefined) return;
    const header: GroupHeader = {};
    let replaced: SnapshotRef | undefined;
    if (snapshot) header.snapshot = await this.#writeSnapshot(group, snapshot);
    const state = this.#groupState(group);
    if (header.snapshot) {
      replaced = state.snapshot;
      state.snapshot = header.snapshot;
      state.entries = [];
    }
    const blobs: Uint8Array[] = [];
    if (entries.length > 0) {
      header.entries = entryHeaders(entries, blobs);
      appendEntries(state, entries);
    }
    if (hardState) {
      header.hardState = storedHardState(hardState);
      state.hardState = header.hardState;
    }
    if (appliedIndex !== undefined) {
      header.applied = appliedIndex;
      state.applied = appliedIndex;
    }
    await this.#log.append(encodeRecord({ kind: "persist", group, state: header }, blobs));
    await this.#deleteSnapshot(replaced);
  }

  /**
   * Records `groups` as the ones this node hosts and, in the same record, drops everything stored for
   * `group` (a replica this node no longer holds), so that joining the group again starts from nothing,
   * as a new member, and never from the log it had before it left.
   */
  async forget(group: string, groups: readonly GroupRecord[]): Promise<void> {
    const replaced = this.#groups.get(group)?.snapshot;
    this.#groups.delete(group);
    this.#hosted = [...groups];
    await this.#log.append(encodeRecord({ kind: "forget", group, groups: [...groups] }, []));
    await this.#deleteSnapshot(replaced);
  }

  /** Stores `snapshot` as the group's newest and drops the entries it covers. */
  async compact(group: string, snapshot: Snapshot): Promise<void> {
    const ref = await this.#writeSnapshot(group, snapshot);
    const state = this.#groupState(group);
    const replaced = state.snapshot;
    state.snapshot = ref;
    dropCompacted(state, ref.index);
    await this.#log.append(encodeRecord({ kind: "compact", group, snapshot: ref }, []));
    await this.#deleteSnapshot(replaced);
  }

  #groupState(group: string): GroupState {
    let state = this.#groups.get(group);
    if (!state) {
      state = { entries: [] };
      this.#groups.set(group, state);
    }
    return state;
  }

  /** Applies one record read back from the log to the in-memory state. */
  #replay(payload: Buffer): void {
    const { header, blobs } = decodeRecord(payload);
    switch (header.kind) {
      case "shape":
        this.#shape = header.shape;
        return;
      case "hosted":
        this.#hosted = header.groups;
        if (header.start) this.#groups.set(header.start.group, this.#stateOf(header.start.state, blobs, 0));
        return;
      case "persist": {
        const state = this.#groupState(header.group);
        const { snapshot, entries, hardState, applied } = header.state;
        if (snapshot) {
          state.snapshot = snapshot;
          state.entries = [];
        }
        if (entries) {
          const read: Entry[] = [];
          readEntries(entries, blobs, 0, read);
          appendEntries(state, read);
        }
        if (hardState) state.hardState = hardState;
        if (applied !== undefined) state.applied = applied;
        return;
      }
      case "forget":
        this.#groups.delete(header.group);
        this.#hosted = header.groups;
        return;
      case "compact": {
        const state = this.#groupState(header.group);
        state.snapshot = header.snapshot;
        dropCompacted(state, header.snapshot.index);
        return;
      }
      case "checkpoint": {
        this.#shape = header.shape;
        this.#hosted = header.hosted;
        this.#groups.clear();
        let offset = 0;
        for (const [group, groupHeader] of header.groups) {
          const state = this.#stateOf(groupHeader, blobs, offset);
          offset += (groupHeader.entries ?? []).reduce((sum, entry) => sum + entry[3], 0);
          this.#groups.set(group, state);
        }
        return;
      }
    }
  }

  #stateOf(header: GroupHeader, blobs: Buffer, offset: number): GroupState {
    const entries: Entry[] = [];
    readEntries(header.entries ?? [], blobs, offset, entries);
    return {
      entries,
      ...(header.hardState ? { hardState: header.hardState } : {}),
      ...(header.snapshot ? { snapshot: header.snapshot } : {}),
      ...(header.applied !== undefined ? { applied: header.applied } : {}),
    };
  }

  /** Everything live, as the record that starts a new segment. */
  #checkpointRecord(): Buffer {
    const blobs: Uint8Array[] = [];
    const groups: [string, GroupHeader][] = [];
    for (const [group, state] of this.#groups) {
      groups.push([
        group,
        {
          ...(state.hardState ? { hardState: state.hardState } : {}),
          ...(state.snapshot ? { snapshot: state.snapshot } : {}),
          ...(state.applied !== undefined ? { applied: state.applied } : {}),
          entries: entryHeaders(state.entries, blobs),
        },
      ]);
    }
    return encodeRecord(
      {
        kind: "checkpoint",
        ...(this.#shape ? { shape: this.#shape } : {}),
        ...(this.#hosted ? { hosted: this.#hosted } : {}),
        groups,
      },
      blobs,
    );
  }

  /** Writes `snapshot`'s image to a new file, synced (with its directory entry) before it is referred to. */
  async #writeSnapshot(group: string, snapshot: Snapshot): Promise<SnapshotRef> {
    const file = `${group}-${snapshot.index}-${randomUUID()}${snapshotSuffix}`;
    const path = join(this.#snapshotDir, file);
    const partial = `${path}.partial`;
    const handle = await openFile(partial, "w");
    try {
      await handle.writeFile(snapshot.data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(partial, path);
    const dir = openSync(this.#snapshotDir, "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return { index: snapshot.index, term: snapshot.term, config: snapshot.config, file };
  }

  async #deleteSnapshot(ref: SnapshotRef | undefined): Promise<void> {
    if (ref === undefined) return;
    await unlink(join(this.#snapshotDir, ref.file)).catch(() => undefined);
  }

  /** Snapshot files no group refers to: written before a crash cut the record off, or replaced since. */
  #deleteUnreferencedSnapshots(): void {
    const referenced = new Set([...this.#groups.values()].flatMap((state) => state.snapshot?.file ?? []));
    for (const name of readdirSync(this.#snapshotDir)) {
      if (!referenced.has(name)) unlinkSync(join(this.#snapshotDir, name));
    }
  }

  /**
   * Moves the state of a data directory written by the LMDB-based store into the log (one checkpoint,
   * durable), then removes the LMDB files.
   */
  async #convertLmdbStore(): Promise<void> {
    const dataFile = join(this.#dir, "data.mdb");
    if (!existsSync(dataFile)) return;
    // The LMDB store is the whole truth until it is removed: a conversion a crash cut short starts over.
    this.#groups.clear();
    this.#shape = undefined;
    this.#hosted = undefined;
    const root = openLmdb({ path: this.#dir, noSubdir: false, maxDbs: 2, readOnly: true });
    try {
      const db = root.openDB<unknown, (string | number)[]>({ name: "raft" });
      for (const { key, value } of db.getRange({})) {
        const [first, second, third] = key;
        if (first === "cluster" && second === "shape") this.#shape = value as ClusterShape;
        else if (first === "cluster" && second === "groups") this.#hosted = value as GroupRecord[];
        else if (typeof first === "string") {
          const state = this.#groupState(first);
          if (second === "hs") state.hardState = value as StoredHardState;
          else if (second === "applied") state.applied = value as number;
          else if (second === "snap") {
            const snapshot = value as Snapshot;
            const data = new Uint8Array(snapshot.data);
            state.snapshot = await this.#writeSnapshot(first, { ...snapshot, data });
          } else if (second === "e" && typeof third === "number") {
            const stored = value as { term: number; kind: EntryKind; data: Uint8Array };
            state.entries.push({
              index: third,
              term: stored.term,
              kind: stored.kind,
              data: new Uint8Array(stored.data),
            });
          }
        }
      }
    } finally {
      await root.close();
    }
    for (const state of this.#groups.values()) {
      state.entries.sort((a, b) => a.index - b.index);
      if (state.snapshot) dropCompacted(state, state.snapshot.index);
    }
    await this.#log.append(this.#checkpointRecord());
    await rm(dataFile);
    await rm(join(this.#dir, "lock.mdb"), { force: true });
  }
}
