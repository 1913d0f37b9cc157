/**
 * One member of a Raft replication group as a pure state machine: no sockets, no disk, no clock. The
 * caller feeds it messages (`step`), time (`tick`), proposals (`propose`) and read requests
 * (`readIndex`), and carries out the `Ready` batches it returns (persist, then send, then apply),
 * acknowledging each with `advance`. See `ready.ts` for the contract and README.md for the loop.
 *
 * The protocol is the extended Raft paper's, with the etcd/raft refinements: pre-vote (§9.6) and
 * check-quorum keep a partitioned node from disrupting a healthy leader; a leader commits only entries
 * of its own term by counting replicas (§5.4.2) and counts itself only once its own entries are
 * durable; followers answer a rejected append with a hint that skips a whole conflicting term.
 *
 * Membership changes one server at a time (dissertation §4.1, see configuration.ts): a config entry
 * takes effect on a node as soon as it is in its log, and a leader proposes the next change only once
 * the previous one is committed and it has committed an entry of its own term. Any two configurations
 * then differ by one server, so their majorities overlap. Leadership transfer is not supported.
 */
import {
  applyConfigChange,
  type ConfigChange,
  type ConfigChangeProblem,
  type Configuration,
  configurationOf,
  encodeConfiguration,
  isMember,
  isUnknownConfiguration,
  isVoter,
  quorumOf,
  unknownConfiguration,
} from "./configuration.js";
import { RaftInvariantError, RaftStorageError, RaftUsageError } from "./errors.js";
import { RaftLog } from "./log.js";
import {
  type AppendRequest,
  type AppendResponse,
  type Entry,
  type HardState,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type Message,
  type NodeId,
  payloadBytes,
  type Snapshot,
  type SnapshotRequest,
  type VoteRequest,
  type VoteResponse,
} from "./messages.js";
import {
  type RaftOptions,
  type RaftStorageState,
  type ResolvedRaftOptions,
  resolveRaftOptions,
} from "./options.js";
import { Progress, type ProgressState } from "./progress.js";
import { ReadIndexQueue, type ReadState } from "./read-index.js";
import type { Ready } from "./ready.js";

export type RaftRole = "follower" | "preCandidate" | "candidate" | "leader";

/** Why a proposal or read was refused; the caller retries at `leaderHint` or later. */
export type RaftRefusal =
  | { readonly ok: false; readonly code: "NotLeader"; readonly leaderHint: NodeId | undefined }
  /** `maxUncommittedEntries` / `maxUncommittedBytes` reached: back off until commits catch up. */
  | { readonly ok: false; readonly code: "UncommittedLimit" }
  /** `maxPendingReads` reached. */
  | { readonly ok: false; readonly code: "ReadQueueFull" }
  /** A read with the same id is already pending. */
  | { readonly ok: false; readonly code: "DuplicateRead" };

/**
 * An accepted proposal is in the leader's log at `index` in `term`. It is committed when an entry
 * with that index AND term is applied; an entry with another term at that index means it was lost
 * to a leader change and the client may retry.
 */
export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | RaftRefusal;

/**
 * Why `proposeConfigChange` refused a change; nothing was appended. `ConfigChangeInProgress`: the
 * previous change is not committed yet. `TermNotCommitted`: this leader has not yet committed an entry
 * of its own term (retry in a moment). `RemovingLeader`: the leader cannot remove itself (remove the
 * others; leadership transfer does not exist). The rest are explained at `ConfigChangeProblem`.
 */
export type ConfigChangeRefusalCode =
  | "ConfigChangeInProgress"
  | "TermNotCommitted"
  | "RemovingLeader"
  | ConfigChangeProblem;

/**
 * An accepted change is in the leader's log at `index` in `term`, and already in force there; like a
 * proposal, it is committed when an entry with that index and term is applied.
 */
export type ConfigChangeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly code: "NotLeader"; readonly leaderHint: NodeId | undefined }
  | { readonly ok: false; readonly code: ConfigChangeRefusalCode };

/** An accepted read appears later in `Ready.readStates` (or in `Ready.abandonedReads`). */
export type ReadIndexResult = { readonly ok: true } | RaftRefusal;

export interface FollowerStatus {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
}

/** A read-only view for metrics, admin pages and tests. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly vote: NodeId | undefined;
  readonly leaderId: NodeId | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly persistedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  /** The newest configuration in this node's log (in force even if not committed yet). */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /**
   * On a leader, where each other voter and learner stands (its lag is `lastIndex - match`); empty
   * otherwise. A learner has caught up once its `match` reaches the leader's `commitIndex`.
   */
  readonly followers: readonly FollowerStatus[];
}

const configChangeTypes: ReadonlySet<string> = new Set(["addLearner", "promoteLearner", "removeNode"]);

export class RaftNode {
  readonly #options: ResolvedRaftOptions;
  readonly #id: NodeId;
  readonly #log: RaftLog;

  #term: number;
  #vote: NodeId | undefined;
  #role: RaftRole = "follower";
  #leader: NodeId | undefined;
  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedElectionTicks = 0;
  readonly #votes = new Map<NodeId, boolean>();
  readonly #progress = new Map<NodeId, Progress>();
  readonly #reads = new ReadIndexQueue();
  /** Payload bytes this leader proposed that are not yet committed (bounded by `maxUncommittedBytes`). */
  #uncommittedBytes = 0;

  #outbox: Message[] = [];
  #readStates: ReadState[] = [];
  #abandonedReads: string[] = [];
  #handedOutHardState: HardState;
  #outstanding: Ready | undefined;

  constructor(options: RaftOptions) {
    this.#options = resolveRaftOptions(options);
    this.#id = this.#options.id;
    const initial =
      this.#options.peers.length === 0 ? unknownConfiguration : configurationOf(this.#options.peers);
    const restored = restoreStorage(this.#options.storage, initial);
    this.#log = restored.log;
    this.#term = restored.hardState.term;
    this.#vote = restored.hardState.vote;
    this.#handedOutHardState = { ...restored.hardState, commit: this.#log.committed };
    this.#becomeFollower(this.#term, undefined);
  }

  get id(): NodeId {
    return this.#id;
  }

  get role(): RaftRole {
    return this.#role;
  }

  get term(): number {
    return this.#term;
  }

  get leaderId(): NodeId | undefined {
    return this.#leader;
  }

  status(): RaftStatus {
    const followers: FollowerStatus[] = [];
    for (const [id, progress] of this.#progress) {
      followers.push({ id, match: progress.match, next: progress.next, state: progress.state });
    }
    const config = this.#log.latestConfiguration();
    return {
      id: this.#id,
      role: this.#role,
      term: this.#term,
      vote: this.#vote,
      leaderId: this.#leader,
      commitIndex: this.#log.committed,
      appliedIndex: this.#log.applied,
      persistedIndex: this.#log.persistedIndex,
      firstIndex: this.#log.firstIndex(),
      lastIndex: this.#log.lastIndex(),
      snapshotIndex: this.#log.snapshot.index,
      voters: config.voters,
      learners: config.learners,
      followers,
    };
  }

  /** The entry at `index` in this node's log (durable or not); undefined if compacted or absent. */
  entryAt(index: number): Entry | undefined {
    return this.#log.entry(index);
  }

  /** The term of the entry at `index`, including the snapshot's last entry; undefined if unknown. */
  termAt(index: number): number | undefined {
    return this.#log.term(index);
  }

  /**
   * The configuration in force at `index` (a snapshot taken there must carry it); undefined when
   * `index` is compacted or past the end, or when this node joined and has not learned it yet.
   */
  configurationAt(index: number): Configuration | undefined {
    const config = this.#log.configurationAt(index);
    return config === undefined || isUnknownConfiguration(config) ? undefined : config;
  }

  /** Advances logical time by one tick: elections on followers, heartbeats and check-quorum on leaders. */
  tick(): void {
    if (this.#role === "leader") this.#tickLeader();
    else this.#tickElection();
  }

  /**
   * Starts an election now instead of waiting for the timeout (with a pre-vote round if enabled).
   * Does nothing on a leader, a learner or a node outside the configuration.
   */
  campaign(): void {
    if (this.#role === "leader" || !this.#isVoter()) return;
    this.#startCampaign(this.#options.preVote);
  }

  /** Appends a command to the log if this node leads. See `ProposeResult` for when it is committed. */
  propose(data: Uint8Array): ProposeResult {
    if (!(data instanceof Uint8Array)) throw new RaftUsageError("proposal data must be a Uint8Array");
    if (this.#role !== "leader") return { ok: false, code: "NotLeader", leaderHint: this.#leader };
    const uncommitted = this.#log.lastIndex() - this.#log.committed;
    const overBytes =
      this.#uncommittedBytes > 0 &&
      this.#uncommittedBytes + data.byteLength > this.#options.maxUncommittedBytes;
    if (uncommitted >= this.#options.maxUncommittedEntries || overBytes) {
      return { ok: false, code: "UncommittedLimit" };
    }
    const entry: Entry = { index: this.#log.lastIndex() + 1, term: this.#term, kind: "command", data };
    this.#log.append([entry]);
    this.#uncommittedBytes += data.byteLength;
    this.#broadcastAppend(false);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /**
   * Appends a single-server membership change if this node leads and may change the configuration
   * now (see `ConfigChangeRefusalCode`). The new configuration is in force on the leader at once and
   * on each follower as soon as it appends the entry. To replace a lost member: `addLearner` the new
   * node, wait until `status()` shows its `match` at the leader's `commitIndex`, `promoteLearner` it,
   * then `removeNode` the lost one, each step after the previous one is committed.
   */
  proposeConfigChange(change: ConfigChange): ConfigChangeResult {
    if (!configChangeTypes.has(change?.type) || typeof change.node !== "string" || change.node === "") {
      throw new RaftUsageError("a configuration change needs a type and a non-empty node id");
    }
    if (this.#role !== "leader") return { ok: false, code: "NotLeader", leaderHint: this.#leader };
    // Without this rule a new leader could append a change next to an uncommitted one of a former
    // leader that it never saw, and the two configurations could elect disjoint majorities.
    if (!this.#committedInCurrentTerm()) return { ok: false, code: "TermNotCommitted" };
    if (this.#log.latestConfigIndex() > this.#log.committed) {
      return { ok: false, code: "ConfigChangeInProgress" };
    }
    const changed = applyConfigChange(this.#log.latestConfiguration(), change);
    if (!changed.ok) return { ok: false, code: changed.problem };
    if (change.type === "removeNode" && change.node === this.#id)
      return { ok: false, code: "RemovingLeader" };
    const data = encodeConfiguration(changed.config);
    const entry: Entry = { index: this.#log.lastIndex() + 1, term: this.#term, kind: "config", data };
    this.#log.append([entry]);
    this.#uncommittedBytes += data.byteLength;
    this.#trackMembers(entry.index);
    if (this.#maybeCommit()) this.#afterCommit();
    this.#broadcastAppend(false);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /**
   * Asks for a linearizable read (see read-index.ts for why it is safe). A leader lease would save the
   * heartbeat round but is only safe if clocks advance at bounded relative rates and pauses (GC, VM
   * steal) are bounded; a read index depends on no clock, so it is the default.
   */
  readIndex(requestId: string): ReadIndexResult {
    if (typeof requestId !== "string" || requestId === "")
      throw new RaftUsageError("requestId must be a non-empty string");
    if (this.#role !== "leader") return { ok: false, code: "NotLeader", leaderHint: this.#leader };
    if (this.#reads.has(requestId)) return { ok: false, code: "DuplicateRead" };
    if (this.#reads.size >= this.#options.maxPendingReads) return { ok: false, code: "ReadQueueFull" };
    if (!this.#committedInCurrentTerm()) {
      this.#reads.awaitTermCommit(requestId);
      return { ok: true };
    }
    this.#reads.register(requestId, this.#log.committed, this.#id);
    this.#confirmReads();
    return { ok: true };
  }

  /**
   * Feeds one message received from a peer. The sender need not be in this node's configuration: a
   * lagging or joining node must follow a leader it has not heard of yet. A leader ignores answers
   * from non-members, and a candidate counts only the votes of its voters.
   */
  step(message: Message): void {
    if (message.to !== this.#id) {
      throw new RaftUsageError(`message for ${message.to} stepped into node ${this.#id}`);
    }
    if (message.from === this.#id) return;
    if (!this.#stepTerm(message)) return;
    switch (message.type) {
      case "preVote":
      case "vote":
        this.#handleVoteRequest(message);
        return;
      case "preVoteResponse":
      case "voteResponse":
        this.#handleVoteResponse(message);
        return;
      case "append":
      case "heartbeat":
      case "snapshot":
        this.#handleLeaderMessage(message);
        return;
      case "appendResponse":
        if (this.#role === "leader") this.#handleAppendResponse(message);
        return;
      case "heartbeatResponse":
        if (this.#role === "leader") this.#handleHeartbeatResponse(message);
        return;
    }
  }

  /** Whether `ready()` has anything to hand out (false while a batch is outstanding). */
  hasReady(): boolean {
    if (this.#outstanding !== undefined) return false;
    return (
      !sameHardState(this.#hardState(), this.#handedOutHardState) ||
      this.#log.pendingSnapshot() !== undefined ||
      this.#log.unpersistedEntries().length > 0 ||
      this.#outbox.length > 0 ||
      this.#readStates.length > 0 ||
      this.#abandonedReads.length > 0 ||
      this.#log.entriesToApply(1, this.#options.maxCommittedBytesPerReady).length > 0
    );
  }

  /** Hands out the next batch; `advance(ready)` must follow before the next call. */
  ready(): Ready {
    if (this.#outstanding !== undefined) throw new RaftUsageError("ready() called again before advance()");
    const hardState = this.#hardState();
    const changed = !sameHardState(hardState, this.#handedOutHardState);
    const ready: Ready = {
      hardState: changed ? hardState : undefined,
      snapshot: this.#log.pendingSnapshot(),
      entries: this.#log.unpersistedEntries(),
      messages: this.#outbox,
      committedEntries: this.#log.entriesToApply(
        this.#options.maxCommittedEntriesPerReady,
        this.#options.maxCommittedBytesPerReady,
      ),
      readStates: this.#readStates,
      abandonedReads: this.#abandonedReads,
    };
    this.#handedOutHardState = hardState;
    this.#outbox = [];
    this.#readStates = [];
    this.#abandonedReads = [];
    this.#outstanding = ready;
    return ready;
  }

  /** Acknowledges that `ready` was persisted, sent and applied. */
  advance(ready: Ready): void {
    if (ready !== this.#outstanding) throw new RaftUsageError("advance() must be given the last ready()");
    this.#outstanding = undefined;
    if (ready.snapshot !== undefined) this.#log.snapshotPersisted(ready.snapshot);
    this.#log.persisted(ready.entries);
    const lastApplied = ready.committedEntries.at(-1);
    if (lastApplied !== undefined) this.#log.appliedTo(lastApplied.index);
    // The leader counts its own copy only once durable, so it may now reach a majority.
    if (this.#role === "leader" && this.#maybeCommit()) this.#afterCommit();
  }

  /**
   * Discards the log up to `index`, whose state the caller has made durable as `snapshotData`; a
   * follower that needs the discarded entries receives this snapshot instead. Returns false if the log
   * is already compacted at or past `index`.
   */
  compact(index: number, snapshotData: Uint8Array): boolean {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RaftUsageError(`invalid compaction index ${index}`);
    if (index <= this.#log.snapshot.index) return false;
    if (index > this.#log.applied) {
      throw new RaftUsageError(`cannot compact at ${index}: only ${this.#log.applied} is applied`);
    }
    // A joining node holding entries from before its own addition does not know who the group was
    // then, and a snapshot must say it; it compacts once it has caught up past a config entry.
    if (this.configurationAt(index) === undefined) return false;
    this.#log.compact(index, snapshotData);
    return true;
  }

  // Term handling common to every message. Returns false when the message is to be dropped.
  #stepTerm(message: Message): boolean {
    if (message.term > this.#term) {
      const isVoteRequest = message.type === "preVote" || message.type === "vote";
      // Check-quorum: a node that heard from a live leader within the minimum election timeout
      // ignores campaigns, so a node that was cut off cannot depose a leader the majority still sees.
      if (isVoteRequest && this.#options.checkQuorum && this.#leader !== undefined) {
        if (this.#electionElapsed < this.#options.electionTicks) return false;
      }
      // A pre-vote, or a granted pre-vote answer, speaks of a term nobody has entered yet.
      if (message.type === "preVote" || (message.type === "preVoteResponse" && message.granted)) return true;
      const fromLeader =
        message.type === "append" || message.type === "heartbeat" || message.type === "snapshot";
      this.#becomeFollower(message.term, fromLeader ? message.from : undefined);
      return true;
    }
    if (message.term < this.#term) {
      if (message.type === "append" || message.type === "heartbeat") {
        // A deposed leader cut off by pre-vote and check-quorum would never learn the new term
        // otherwise: tell it, so that it steps down.
        if (this.#options.preVote || this.#options.checkQuorum) {
          this.#send({
            type: "appendResponse",
            to: message.from,
            success: false,
            index: 0,
            hintIndex: 0,
            hintTerm: 0,
          });
        }
      } else if (message.type === "preVote") {
        this.#send({ type: "preVoteResponse", to: message.from, granted: false });
      }
      return false;
    }
    return true;
  }

  #handleVoteRequest(message: VoteRequest): void {
    const isPreVote = message.type === "preVote";
    const canVote =
      this.#vote === message.from ||
      (this.#vote === undefined && this.#leader === undefined) ||
      (isPreVote && message.term > this.#term);
    const responseType = isPreVote ? "preVoteResponse" : "voteResponse";
    if (canVote && this.#log.isUpToDate(message.lastLogIndex, message.lastLogTerm)) {
      this.#send({ type: responseType, to: message.from, term: message.term, granted: true });
      if (!isPreVote) {
        this.#vote = message.from;
        this.#electionElapsed = 0;
      }
    } else {
      this.#send({ type: responseType, to: message.from, granted: false });
    }
  }

  #handleVoteResponse(message: VoteResponse): void {
    if (!isVoter(this.#log.latestConfiguration(), message.from)) return;
    // A granted pre-vote carries the campaign's term, a refusal the voter's (here, ours).
    const preVoteTerm = message.granted ? this.#term + 1 : this.#term;
    const expected =
      (this.#role === "preCandidate" && message.type === "preVoteResponse" && message.term === preVoteTerm) ||
      (this.#role === "candidate" && message.type === "voteResponse" && message.term === this.#term);
    if (!expected) return;
    this.#votes.set(message.from, message.granted);
    this.#tallyVotes();
  }

  #tallyVotes(): void {
    let granted = 0;
    let rejected = 0;
    for (const vote of this.#votes.values()) {
      if (vote) granted++;
      else rejected++;
    }
    const quorum = quorumOf(this.#log.latestConfiguration());
    if (granted >= quorum) {
      if (this.#role === "preCandidate") this.#startCampaign(false);
      else this.#becomeLeader();
    } else if (rejected >= quorum) {
      this.#becomeFollower(this.#term, undefined);
    }
  }

  #handleLeaderMessage(message: AppendRequest | HeartbeatRequest | SnapshotRequest): void {
    // At this point message.term === this.#term, and a term has at most one leader.
    if (this.#role === "leader") return;
    if (this.#role !== "follower") this.#becomeFollower(this.#term, message.from);
    this.#leader = message.from;
    this.#electionElapsed = 0;
    if (message.type === "append") this.#handleAppend(message);
    else if (message.type === "heartbeat") this.#handleHeartbeat(message);
    else this.#handleSnapshot(message);
  }

  #handleAppend(message: AppendRequest): void {
    if (message.prevLogIndex < this.#log.committed) {
      this.#acceptAppend(message.from, this.#log.committed);
      return;
    }
    const lastNewIndex = this.#log.maybeAppend(
      message.prevLogIndex,
      message.prevLogTerm,
      message.commit,
      message.entries,
    );
    if (lastNewIndex !== undefined) {
      this.#acceptAppend(message.from, lastNewIndex);
      return;
    }
    const hint = this.#log.findConflictByTerm(
      Math.min(message.prevLogIndex, this.#log.lastIndex()),
      message.prevLogTerm,
    );
    this.#send({
      type: "appendResponse",
      to: message.from,
      success: false,
      index: message.prevLogIndex,
      hintIndex: hint.index,
      hintTerm: hint.term,
    });
  }

  #acceptAppend(to: NodeId, index: number): void {
    this.#send({ type: "appendResponse", to, success: true, index, hintIndex: 0, hintTerm: 0 });
  }

  #handleHeartbeat(message: HeartbeatRequest): void {
    this.#log.commitTo(message.commit);
    this.#send({ type: "heartbeatResponse", to: message.from, readContext: message.readContext });
  }

  #handleSnapshot(message: SnapshotRequest): void {
    const snapshot = message.snapshot;
    if (snapshot.index <= this.#log.committed) {
      this.#acceptAppend(message.from, this.#log.committed);
    } else if (this.#log.matchTerm(snapshot.index, snapshot.term)) {
      // Our log already holds the snapshot's last entry, hence (Log Matching) everything before it.
      this.#log.commitTo(snapshot.index);
      this.#acceptAppend(message.from, snapshot.index);
    } else {
      this.#log.restore(snapshot);
      this.#acceptAppend(message.from, snapshot.index);
    }
  }

  #handleAppendResponse(message: AppendResponse): void {
    const progress = this.#progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    if (!message.success) {
      const matchHint =
        message.hintTerm > 0
          ? this.#log.findConflictByTerm(message.hintIndex, message.hintTerm).index
          : message.hintIndex;
      if (progress.maybeDecreaseTo(message.index, matchHint)) {
        if (progress.state === "replicate") progress.becomeProbe();
        this.#sendAppend(message.from, true);
      }
      return;
    }
    const wasPaused = progress.isPaused();
    if (!progress.maybeUpdate(message.index)) return;
    if (progress.state === "probe") progress.becomeReplicate();
    else if (progress.state === "snapshot" && progress.match >= progress.pendingSnapshotIndex) {
      progress.becomeReplicate();
    }
    if (this.#maybeCommit()) {
      this.#afterCommit();
    } else if (wasPaused) {
      this.#sendAppend(message.from, true);
    }
    for (
      let sent = 0;
      sent < this.#options.maxInflightAppends && this.#sendAppend(message.from, false);
      sent++
    );
  }

  #handleHeartbeatResponse(message: HeartbeatResponse): void {
    const progress = this.#progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    progress.heartbeatAnswered();
    if (progress.state === "snapshot" && progress.snapshotTicks >= this.#options.snapshotRetryTicks) {
      // The snapshot or its answer was probably lost: probe again, which resends it if still needed.
      progress.becomeProbe();
    }
    if (progress.match < this.#log.lastIndex()) this.#sendAppend(message.from, true);
    if (message.readContext !== undefined) {
      const config = this.#log.latestConfiguration();
      for (const read of this.#reads.acknowledge(message.readContext, message.from, config)) {
        this.#readStates.push(read);
      }
    }
  }

  #tickElection(): void {
    this.#electionElapsed++;
    if (this.#electionElapsed >= this.#randomizedElectionTicks) {
      this.#electionElapsed = 0;
      if (this.#isVoter()) this.#startCampaign(this.#options.preVote);
      // A learner, a joining node or a removed one never campaigns; it only stops vouching for a
      // leader it no longer hears from, so that it answers the next candidate.
      else this.#leader = undefined;
    }
  }

  #isVoter(): boolean {
    return isVoter(this.#log.latestConfiguration(), this.#id);
  }

  #tickLeader(): void {
    this.#heartbeatElapsed++;
    this.#electionElapsed++;
    for (const progress of this.#progress.values()) {
      if (progress.state === "snapshot") progress.snapshotTicks++;
    }
    if (this.#electionElapsed >= this.#options.electionTicks) {
      this.#electionElapsed = 0;
      if (this.#options.checkQuorum) {
        if (!this.#quorumRecentlyActive()) {
          this.#becomeFollower(this.#term, undefined);
          return;
        }
        for (const progress of this.#progress.values()) progress.recentActive = false;
      }
    }
    if (this.#heartbeatElapsed >= this.#options.heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      this.#broadcastHeartbeat(this.#reads.newestPending());
    }
  }

  #quorumRecentlyActive(): boolean {
    const config = this.#log.latestConfiguration();
    let active = 1;
    for (const [id, progress] of this.#progress) if (progress.recentActive && isVoter(config, id)) active++;
    return active >= quorumOf(config);
  }

  #startCampaign(preVote: boolean): void {
    this.#electionElapsed = 0;
    // A fresh timeout per round: two nodes that timed out together must not stay in lockstep, or
    // they would split the vote forever.
    this.#randomizeElectionTimeout();
    this.#votes.clear();
    this.#leader = undefined;
    this.#drainReads();
    this.#progress.clear();
    let campaignTerm: number;
    if (preVote) {
      this.#role = "preCandidate";
      campaignTerm = this.#term + 1;
    } else {
      this.#resetTerm(this.#term + 1);
      this.#role = "candidate";
      this.#vote = this.#id;
      campaignTerm = this.#term;
    }
    this.#votes.set(this.#id, true);
    for (const peer of this.#log.latestConfiguration().voters) {
      if (peer === this.#id) continue;
      this.#send({
        type: preVote ? "preVote" : "vote",
        to: peer,
        term: campaignTerm,
        lastLogIndex: this.#log.lastIndex(),
        lastLogTerm: this.#log.lastTerm(),
      });
    }
    this.#tallyVotes();
  }

  #becomeFollower(term: number, leader: NodeId | undefined): void {
    if (term !== this.#term) this.#resetTerm(term);
    this.#role = "follower";
    this.#leader = leader;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#randomizeElectionTimeout();
    this.#votes.clear();
    this.#progress.clear();
    this.#uncommittedBytes = 0;
    this.#drainReads();
  }

  #randomizeElectionTimeout(): void {
    const { electionTicks, random } = this.#options;
    this.#randomizedElectionTicks = electionTicks + Math.floor(random() * electionTicks);
  }

  #resetTerm(term: number): void {
    this.#term = term;
    this.#vote = undefined;
  }

  #becomeLeader(): void {
    // A node outside the voters never campaigns, and a candidate's log (so its configuration) does not
    // change during its campaign.
    if (!this.#isVoter()) throw new RaftInvariantError(`${this.#id} won an election without being a voter`);
    this.#role = "leader";
    this.#leader = this.#id;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#votes.clear();
    this.#uncommittedBytes = 0;
    const next = this.#log.lastIndex() + 1;
    this.#trackMembers(next);
    // Entries of earlier terms are committed only indirectly, by committing one of this term (§5.4.2).
    this.#log.append([{ index: next, term: this.#term, kind: "noop", data: new Uint8Array(0) }]);
    this.#broadcastAppend(true);
  }

  /**
   * Keeps one `Progress` per member of the leader's configuration other than itself: new members start
   * probing at `next`, removed ones are dropped (they may miss their own removal; pre-vote and
   * check-quorum keep them from disrupting the group).
   */
  #trackMembers(next: number): void {
    const config = this.#log.latestConfiguration();
    for (const id of this.#progress.keys()) if (!isMember(config, id)) this.#progress.delete(id);
    for (const id of [...config.voters, ...config.learners]) {
      if (id !== this.#id && !this.#progress.has(id)) {
        this.#progress.set(id, new Progress(next, this.#options.maxInflightAppends));
      }
    }
  }

  #drainReads(): void {
    for (const requestId of this.#reads.drain()) this.#abandonedReads.push(requestId);
  }

  /** Raises the commit index to the highest entry of this term held durably by a majority. */
  #maybeCommit(): boolean {
    const config = this.#log.latestConfiguration();
    const matches = [Math.min(this.#log.persistedIndex, this.#log.lastIndex())];
    for (const [id, progress] of this.#progress) if (isVoter(config, id)) matches.push(progress.match);
    matches.sort((a, b) => b - a);
    const majorityIndex = matches[quorumOf(config) - 1]!;
    if (majorityIndex <= this.#log.committed || this.#log.term(majorityIndex) !== this.#term) return false;
    const newlyCommitted = this.#log.slice(
      this.#log.committed + 1,
      majorityIndex - this.#log.committed,
      Number.MAX_SAFE_INTEGER,
    );
    this.#uncommittedBytes = Math.max(0, this.#uncommittedBytes - payloadBytes(newlyCommitted ?? []));
    this.#log.commitTo(majorityIndex);
    return true;
  }

  #afterCommit(): void {
    this.#broadcastAppend(true);
    if (this.#reads.registerAwaiting(this.#log.committed, this.#id)) this.#confirmReads();
  }

  #committedInCurrentTerm(): boolean {
    return this.#log.term(this.#log.committed) === this.#term;
  }

  /** Starts a heartbeat round for the newest pending read (or answers at once in a one-node group). */
  #confirmReads(): void {
    const newest = this.#reads.newestPending();
    if (newest === undefined) return;
    const config = this.#log.latestConfiguration();
    if (quorumOf(config) === 1) {
      for (const read of this.#reads.acknowledge(newest, this.#id, config)) this.#readStates.push(read);
      return;
    }
    this.#broadcastHeartbeat(newest);
  }

  #broadcastAppend(sendIfEmpty: boolean): void {
    for (const peer of this.#progress.keys()) this.#sendAppend(peer, sendIfEmpty);
  }

  #broadcastHeartbeat(readContext: string | undefined): void {
    for (const [peer, progress] of this.#progress) {
      this.#send({
        type: "heartbeat",
        to: peer,
        commit: Math.min(progress.match, this.#log.committed),
        readContext,
      });
    }
  }

  /** Sends the follower what it needs next, unless flow control holds it. Returns whether it sent. */
  #sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.#progress.get(to)!;
    if (progress.isPaused()) return false;
    const prevLogIndex = progress.next - 1;
    const prevLogTerm = this.#log.term(prevLogIndex);
    const entries =
      prevLogTerm === undefined
        ? undefined
        : this.#log.slice(progress.next, this.#options.maxEntriesPerAppend, this.#options.maxAppendBytes);
    if (prevLogTerm === undefined || entries === undefined) {
      const snapshot = this.#log.snapshot;
      progress.becomeSnapshot(snapshot.index);
      this.#send({ type: "snapshot", to, snapshot });
      return true;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.#send({ type: "append", to, prevLogIndex, prevLogTerm, entries, commit: this.#log.committed });
    progress.sentAppend(entries.at(-1)?.index);
    return true;
  }

  #send(message: DistributiveOmit<Message, "from" | "term"> & { term?: number }): void {
    this.#outbox.push({ ...message, from: this.#id, term: message.term ?? this.#term } as Message);
  }

  #hardState(): HardState {
    return { term: this.#term, vote: this.#vote, commit: this.#log.committed };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function restoreStorage(
  storage: RaftStorageState | undefined,
  initial: Configuration,
): { log: RaftLog; hardState: HardState } {
  const snapshot = restoredSnapshot(storage?.snapshot, initial);
  const entries = storage?.entries ?? [];
  const hardState = storage?.hardState ?? { term: 0, vote: undefined, commit: 0 };
  let previousTerm = snapshot.term;
  entries.forEach((entry, k) => {
    if (entry.index !== snapshot.index + 1 + k) {
      throw new RaftStorageError(`entry ${k} has index ${entry.index}, expected ${snapshot.index + 1 + k}`);
    }
    if (entry.term < previousTerm)
      throw new RaftStorageError(`entry ${entry.index} has a lower term than its predecessor`);
    previousTerm = entry.term;
  });
  if (previousTerm > hardState.term)
    throw new RaftStorageError("the log holds a term newer than the hard state's");
  const lastIndex = snapshot.index + entries.length;
  const commit = Math.max(hardState.commit, snapshot.index);
  if (commit > lastIndex) throw new RaftStorageError(`commit ${commit} is past the last entry ${lastIndex}`);
  const applied = storage?.appliedIndex ?? snapshot.index;
  if (applied < snapshot.index || applied > commit) {
    throw new RaftStorageError(`appliedIndex ${applied} is outside [${snapshot.index}, ${commit}]`);
  }
  return { log: new RaftLog(snapshot, entries, commit, applied), hardState: { ...hardState, commit } };
}

/**
 * The snapshot a restarting node resumes from. Without one, the log starts at index 0 in the initial
 * configuration. Snapshots written before membership changes existed carry no configuration: their
 * group never changed, so it is the initial one.
 */
function restoredSnapshot(snapshot: Snapshot | undefined, initial: Configuration): Snapshot {
  if (snapshot === undefined) return { index: 0, term: 0, config: initial, data: new Uint8Array(0) };
  if ((snapshot as Partial<Snapshot>).config === undefined) return { ...snapshot, config: initial };
  if (snapshot.index > 0 && isUnknownConfiguration(snapshot.config)) {
    throw new RaftStorageError(`snapshot ${snapshot.index} names no voter`);
  }
  return snapshot;
}
