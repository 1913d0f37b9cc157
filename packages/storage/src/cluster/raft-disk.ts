/**
 * The durable half of every Raft group a storage node hosts: hard state, log entries, the latest
 * snapshot and the applied index, in one LMDB environment of its own (next to, not inside, the item
 * store). `persist` carries out step 1 of the `Ready` contract — snapshot, then entries (truncating any
 * conflicting suffix), then hard state — in one transaction and resolves only once it is flushed to
 * disk, so the messages of the same batch may then promise what it wrote.
 */
import { mkdir } from "node:fs/promises";
import { type Database, open, type RootDatabase } from "lmdb";
import type { Entry, EntryKind, HardState, RaftStorageState, Ready, Snapshot } from "../replication/index.js";
import { ClusterConfigError } from "./errors.js";
import type { GroupRecord } from "./group-map.js";

type Key = (string | number)[];

interface StoredEntry {
  term: number;
  kind: EntryKind;
  data: Uint8Array;
}

interface StoredHardState {
  term: number;
  vote: string | null;
  commit: number;
}

/** The cluster shape a data directory was created for; a node refuses to start with another id or peer set. */
export interface ClusterShape {
  nodeId: string;
  peers: string[];
  /** Item groups the cluster started with. */
  partitions: number;
}

const lastPossibleIndex = Number.MAX_SAFE_INTEGER;
const shapeKey: Key = ["cluster", "shape"];
const hostedGroupsKey: Key = ["cluster", "groups"];

function entryKey(group: string, index: number): Key {
  return [group, "e", index];
}

export class RaftDisk {
  readonly #root: RootDatabase;
  readonly #db: Database<unknown, Key>;

  private constructor(root: RootDatabase) {
    this.#root = root;
    this.#db = root.openDB<unknown, Key>({ name: "raft" });
  }

  /** Opens (or creates) the Raft store in `dir`. */
  static async open(dir: string): Promise<RaftDisk> {
    await mkdir(dir, { recursive: true });
    // Never noSync: a vote or an appended entry must survive a power cut before it is promised.
    return new RaftDisk(open({ path: dir, noSubdir: false, maxDbs: 2 }));
  }

  async close(): Promise<void> {
    await this.#root.close();
  }

  /**
   * Records the cluster shape on first start, and afterwards checks that the node id and the peer set
   * are unchanged: a node must never rejoin under another id or peer set, or it would vote and
   * acknowledge for groups whose history it does not hold. Resolves with the stored shape: its
   * `partitions` is the initial group count the data was created with (splits change the count since,
   * and the groups a node hosts are recorded apart, see `hostedGroups`).
   */
  async checkShape(shape: ClusterShape): Promise<ClusterShape> {
    const stored = this.#db.get(shapeKey) as ClusterShape | undefined;
    if (stored === undefined) {
      await this.#durably(() => this.#db.put(shapeKey, shape));
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
    return this.#db.get(hostedGroupsKey) as GroupRecord[] | undefined;
  }

  /**
   * Records `groups` as the item groups this node hosts and, for a group split off on this node, its
   * initial Raft state (`start`: a snapshot of the items the engine already holds, with the hard state
   * and applied index at that snapshot), in one durable transaction: after a crash the node either
   * hosts the new group with its starting state or applies the split again.
   */
  async hostGroups(
    groups: readonly GroupRecord[],
    start?: { group: string; snapshot: Snapshot; hardState: HardState },
  ): Promise<void> {
    await this.#durably(() => {
      this.#db.put(hostedGroupsKey, groups);
      if (!start) return;
      const { group, snapshot, hardState } = start;
      this.#removeEntriesFrom(group, 0);
      this.#db.put([group, "snap"], snapshot);
      const stored: StoredHardState = {
        term: hardState.term,
        vote: hardState.vote ?? null,
        commit: hardState.commit,
      };
      this.#db.put([group, "hs"], stored);
      this.#db.put([group, "applied"], snapshot.index);
    });
  }

  /**
   * What earlier runs persisted for `group`, to restore its `RaftNode`. `stateMachineAppliedIndex` is
   * the index the group's state machine recorded with its own state, when it keeps one (see
   * `GroupStateMachine.flush`): it then replaces the applied index stored here (a committed index, so
   * the commit index is raised to it where the commit on disk trails; it never runs past the log).
   */
  load(group: string, stateMachineAppliedIndex?: number): RaftStorageState {
    const hard = this.#db.get([group, "hs"]) as StoredHardState | undefined;
    const snapshot = this.#db.get([group, "snap"]) as Snapshot | undefined;
    const applied = this.#db.get([group, "applied"]) as number | undefined;
    const entries: Entry[] = [];
    const firstIndex = (snapshot?.index ?? 0) + 1;
    for (const { key, value } of this.#db.getRange({
      start: entryKey(group, firstIndex),
      end: entryKey(group, lastPossibleIndex),
    })) {
      const stored = value as StoredEntry;
      entries.push({
        index: key[2] as number,
        term: stored.term,
        kind: stored.kind,
        data: new Uint8Array(stored.data),
      });
    }
    let hardState: HardState | undefined = hard
      ? { term: hard.term, vote: hard.vote ?? undefined, commit: hard.commit }
      : undefined;
    const snapshotIndex = snapshot?.index ?? 0;
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
      ...(snapshot ? { snapshot: { ...snapshot, data: new Uint8Array(snapshot.data) } } : {}),
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
    await this.#durably(() => {
      if (snapshot) {
        this.#removeEntriesFrom(group, 0);
        this.#db.put([group, "snap"], snapshot);
      }
      const first = entries[0];
      if (first) {
        this.#removeEntriesFrom(group, first.index);
        for (const entry of entries) {
          const stored: StoredEntry = { term: entry.term, kind: entry.kind, data: entry.data };
          this.#db.put(entryKey(group, entry.index), stored);
        }
      }
      if (hardState) {
        const stored: StoredHardState = {
          term: hardState.term,
          vote: hardState.vote ?? null,
          commit: hardState.commit,
        };
        this.#db.put([group, "hs"], stored);
      }
      if (appliedIndex !== undefined) this.#db.put([group, "applied"], appliedIndex);
    });
  }

  /**
   * Records `groups` as the ones this node hosts and, in the same commit, drops everything stored for
   * `group` (a replica this node no longer holds), so that joining the group again starts from nothing,
   * as a new member, and never from the log it had before it left.
   */
  async forget(group: string, groups: readonly GroupRecord[]): Promise<void> {
    await this.#durably(() => {
      this.#db.put(hostedGroupsKey, groups);
      this.#removeEntriesFrom(group, 0);
      for (const key of ["hs", "snap", "applied"]) this.#db.remove([group, key]);
    });
  }

  /** Stores `snapshot` as the group's newest and drops the entries it covers. */
  async compact(group: string, snapshot: Snapshot): Promise<void> {
    await this.#durably(() => {
      this.#db.put([group, "snap"], snapshot);
      for (const key of this.#db.getKeys({
        start: entryKey(group, 0),
        end: entryKey(group, snapshot.index + 1),
      })) {
        this.#db.remove(key);
      }
    });
  }

  #removeEntriesFrom(group: string, index: number): void {
    for (const key of this.#db.getKeys({
      start: entryKey(group, index),
      end: entryKey(group, lastPossibleIndex),
    })) {
      this.#db.remove(key);
    }
  }

  /** As the item store: committed in a write transaction, resolved once the commit is flushed. */
  async #durably(apply: () => void): Promise<void> {
    const committed = this.#root.transaction(apply);
    const flushed = new Promise<unknown>((resolve, reject) => {
      this.#root.flushed.then(resolve, reject);
    });
    await Promise.all([committed, flushed]);
  }
}
