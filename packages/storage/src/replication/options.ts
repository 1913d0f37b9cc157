/**
 * The options of a `RaftNode`, their defaults, and their validation. Durations are in ticks: the
 * caller decides how long a tick is. 50 ms is the recommended setting: the default election timeout is
 * then 0.5-1 s and a new leader is in place within 2 s of a crash even at p99 (see README.md).
 */
import { RaftConfigError } from "./errors.js";
import type { Entry, HardState, NodeId, Snapshot } from "./messages.js";

/** What a restarting node read back from its disk: everything earlier `Ready` batches persisted. */
export interface RaftStorageState {
  /** Default: term 0, no vote, commit 0. */
  hardState?: HardState;
  /** The latest persisted snapshot. Default: the empty snapshot at index 0. */
  snapshot?: Snapshot;
  /** The persisted entries following the snapshot, contiguous. Default: none. */
  entries?: readonly Entry[];
  /**
   * Index the caller's state machine has already applied, for a state machine that is itself durable;
   * committed entries after it are handed out again. Default: the snapshot's index.
   */
  appliedIndex?: number;
}

export interface RaftOptions {
  /** This node's id; must be one of `peers` unless `peers` is empty. */
  id: NodeId;
  /**
   * The voters the group was created with, this node included: the configuration at log index 0. It
   * must be the same on every member and on every restart; later configurations come from the log
   * and snapshots (`proposeConfigChange`), not from this option. A node joining an existing group
   * passes `[]`: it stays a follower that never campaigns until the leader's entries or snapshot tell
   * it the configuration.
   */
  peers: readonly NodeId[];
  /**
   * Uniform random numbers in [0, 1), used only to randomize the election timeout. Give each node its
   * own seeded generator to make a run reproducible.
   */
  random: () => number;
  /**
   * Ticks without hearing from a leader before a follower campaigns. Each timeout is drawn at random
   * from [electionTicks, 2 × electionTicks) so that candidates rarely collide. It is also the
   * check-quorum period of a leader. Default 10.
   */
  electionTicks?: number;
  /** Ticks between a leader's heartbeats; must be less than `electionTicks`. Default 1. */
  heartbeatTicks?: number;
  /** Run a pre-vote round before a real election, so that a node that cannot win never bumps the term. Default true. */
  preVote?: boolean;
  /**
   * A leader that has not heard from a majority within `electionTicks` steps down, and a node that
   * heard from a leader within `electionTicks` ignores vote requests. Default true.
   */
  checkQuorum?: boolean;
  /** State persisted by a previous run; omit for a brand-new member. */
  storage?: RaftStorageState;
  /** Maximum entries in one append message. Default 64. */
  maxEntriesPerAppend?: number;
  /** Maximum entry payload bytes in one append message (at least one entry is always sent). Default 1 MiB. */
  maxAppendBytes?: number;
  /** Maximum unanswered append messages to one follower in the replicate state. Default 64. */
  maxInflightAppends?: number;
  /** Proposals are refused while this many entries are uncommitted. Default 1024. */
  maxUncommittedEntries?: number;
  /** Proposals are refused once this leader's uncommitted proposals hold this many payload bytes. Default 8 MiB. */
  maxUncommittedBytes?: number;
  /** Maximum read-index requests waiting for confirmation. Default 1024. */
  maxPendingReads?: number;
  /** Maximum committed entries handed out in one `Ready`. Default 256. */
  maxCommittedEntriesPerReady?: number;
  /** Maximum committed entry payload bytes handed out in one `Ready` (at least one entry). Default 4 MiB. */
  maxCommittedBytesPerReady?: number;
  /** Heartbeat ticks a leader waits for a snapshot's acknowledgement before sending it again. Default `electionTicks`. */
  snapshotRetryTicks?: number;
}

export type ResolvedRaftOptions = Required<Omit<RaftOptions, "storage">> & Pick<RaftOptions, "storage">;

export const defaultElectionTicks = 10;
export const defaultHeartbeatTicks = 1;

const mebibyte = 1024 * 1024;

export function resolveRaftOptions(options: RaftOptions): ResolvedRaftOptions {
  const electionTicks = options.electionTicks ?? defaultElectionTicks;
  const resolved: ResolvedRaftOptions = {
    id: options.id,
    peers: options.peers,
    random: options.random,
    electionTicks,
    heartbeatTicks: options.heartbeatTicks ?? defaultHeartbeatTicks,
    preVote: options.preVote ?? true,
    checkQuorum: options.checkQuorum ?? true,
    storage: options.storage,
    maxEntriesPerAppend: options.maxEntriesPerAppend ?? 64,
    maxAppendBytes: options.maxAppendBytes ?? mebibyte,
    maxInflightAppends: options.maxInflightAppends ?? 64,
    maxUncommittedEntries: options.maxUncommittedEntries ?? 1024,
    maxUncommittedBytes: options.maxUncommittedBytes ?? 8 * mebibyte,
    maxPendingReads: options.maxPendingReads ?? 1024,
    maxCommittedEntriesPerReady: options.maxCommittedEntriesPerReady ?? 256,
    maxCommittedBytesPerReady: options.maxCommittedBytesPerReady ?? 4 * mebibyte,
    snapshotRetryTicks: options.snapshotRetryTicks ?? electionTicks,
  };
  validate(resolved);
  return resolved;
}

function validate(options: ResolvedRaftOptions): void {
  if (typeof options.id !== "string" || options.id === "")
    throw new RaftConfigError("id must be a non-empty string");
  if (new Set(options.peers).size !== options.peers.length)
    throw new RaftConfigError("peers must not repeat");
  if (options.peers.length > 0 && !options.peers.includes(options.id))
    throw new RaftConfigError(`peers must include this node's id ${options.id} (or be empty to join)`);
  if (options.peers.some((peer) => typeof peer !== "string" || peer === ""))
    throw new RaftConfigError("peers must be non-empty strings");
  if (typeof options.random !== "function") throw new RaftConfigError("random must be a function");
  for (const name of [
    "electionTicks",
    "heartbeatTicks",
    "maxEntriesPerAppend",
    "maxAppendBytes",
    "maxInflightAppends",
    "maxUncommittedEntries",
    "maxUncommittedBytes",
    "maxPendingReads",
    "maxCommittedEntriesPerReady",
    "maxCommittedBytesPerReady",
    "snapshotRetryTicks",
  ] as const) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RaftConfigError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (options.heartbeatTicks >= options.electionTicks) {
    throw new RaftConfigError("heartbeatTicks must be less than electionTicks");
  }
}
