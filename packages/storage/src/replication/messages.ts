/**
 * The values Raft nodes exchange and persist: log entries, the hard state, snapshots and the messages
 * of the protocol. Plain immutable data, so that the transport and the disk format are the caller's
 * choice; entries are shared by reference between the log, the `Ready` batch and messages, and must
 * never be mutated.
 */

import type { Configuration } from "./configuration.js";

/** A member of a replication group (for storage, the storage node's id). */
export type NodeId = string;

/**
 * `command`: a client proposal, applied to the state machine. `noop`: the empty entry a new leader
 * appends so that it can commit the entries of earlier terms (§5.4.2). `config`: a membership change,
 * whose data is the whole new configuration (`decodeConfiguration`); it takes effect on each node as
 * soon as it is in that node's log. State machines skip `noop` and `config`.
 */
export type EntryKind = "command" | "noop" | "config";

export interface Entry {
  /** Position in the log, from 1. */
  readonly index: number;
  /** Term of the leader that created the entry. */
  readonly term: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** What a node must persist before it sends the messages of the same `Ready` batch. */
export interface HardState {
  /** The latest term this node has seen. */
  readonly term: number;
  /** The candidate this node voted for in `term`, if any. */
  readonly vote: NodeId | undefined;
  /** Highest log index known to be committed. */
  readonly commit: number;
}

/**
 * A state machine image that replaces the log up to and including `index`. `data` is opaque to Raft:
 * the caller produces it in `compact` and installs it when a `Ready` carries it.
 */
export interface Snapshot {
  /** Index of the last entry the image includes; 0 for the empty initial snapshot. */
  readonly index: number;
  /** Term of the entry at `index`. */
  readonly term: number;
  /** The group's configuration as of `index`, which the entries after it may change. */
  readonly config: Configuration;
  readonly data: Uint8Array;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term, except in vote requests and granted votes, which carry the campaign's term. */
  readonly term: number;
}

/**
 * A request for a (pre-)vote. A pre-vote asks "would you vote for me at `term`?" without changing
 * anyone's term, so that a node that cannot win does not disrupt the group.
 */
export interface VoteRequest extends Envelope {
  readonly type: "preVote" | "vote";
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface VoteResponse extends Envelope {
  readonly type: "preVoteResponse" | "voteResponse";
  readonly granted: boolean;
}

/** AppendEntries: `entries` follow the entry at `prevLogIndex`, which must have term `prevLogTerm`. */
export interface AppendRequest extends Envelope {
  readonly type: "append";
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  /** The leader's commit index; the follower commits at most up to the entries it has verified. */
  readonly commit: number;
}

/**
 * Answer to `append` or `snapshot`. On success `index` is the highest index the follower now has in
 * common with the leader. On rejection `index` is the rejected `prevLogIndex`, and `hintIndex` /
 * `hintTerm` name the follower's last entry that could still match, so that the leader skips a whole
 * term of conflicting entries per round trip instead of one entry.
 */
export interface AppendResponse extends Envelope {
  readonly type: "appendResponse";
  readonly success: boolean;
  readonly index: number;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** Keeps followers from campaigning, spreads the commit index, and confirms leadership for reads. */
export interface HeartbeatRequest extends Envelope {
  readonly type: "heartbeat";
  /** The commit index, capped at what the follower is known to have. */
  readonly commit: number;
  /** The id of the newest read-index request this round confirms, echoed in the response. */
  readonly readContext: string | undefined;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: "heartbeatResponse";
  readonly readContext: string | undefined;
}

/** InstallSnapshot: sent when the entries a follower needs were compacted away. */
export interface SnapshotRequest extends Envelope {
  readonly type: "snapshot";
  readonly snapshot: Snapshot;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotRequest;

/** Total payload bytes of some entries, the unit of the byte bounds. */
export function payloadBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const entry of entries) total += entry.data.byteLength;
  return total;
}
