/**
 * One replica of one Raft group on a storage node: the `RaftNode` with the I/O the pure state machine
 * leaves to its caller. It runs the `Ready` loop (persist and fsync, then send, then apply — without a
 * flush where the state machine records its own applied index — then `advance`), keeps the waiters of
 * proposals and reads, compacts the log into a snapshot of the state machine every
 * `compactEveryEntries` applied entries (flushing the state machine first), and keeps the leader's
 * pending writes: the images proposed in this term and not yet applied, which the leader reads
 * through when it decides the next write (see README.md, "What a log entry is").
 */
import { randomUUID } from "node:crypto";
import type {
  Entry,
  HardState,
  Message,
  NodeId,
  RaftNode,
  RaftRefusal,
  RaftStatus,
  Ready,
  Snapshot,
} from "../replication/index.js";
import type { Item } from "../values/types.js";
import {
  ClusterBusyError,
  ClusterTimeoutError,
  NotLeaderError,
  OutcomeUnknownError,
  ProposalDroppedError,
} from "./errors.js";
import type { RaftDisk } from "./raft-disk.js";

/** What a group replicates: the caller's state machine, replayed from committed entries. */
export interface GroupStateMachine {
  /**
   * Applies committed entries in order; returns each command's result (or error) by index. Durably,
   * unless the machine has `flush`.
   */
  apply(entries: readonly Entry[]): Promise<Map<number, ApplyResult>>;
  /**
   * Present on a machine whose `apply` is not durable by itself but records the index it applied along
   * with its state, so a restarted node resumes from the machine's own index (the Raft store then keeps
   * none for the group); makes everything applied so far durable. Called before the log is compacted.
   */
  flush?(): Promise<void>;
  /** The state as of the last applied entry, for compaction and for followers that fell behind. */
  snapshot(): Uint8Array;
  /** Replaces the state with a snapshot's, taken at log index `index`. */
  install(data: Uint8Array, index: number): Promise<void>;
}

export type ApplyResult = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface ReplicaOptions {
  group: string;
  node: RaftNode;
  disk: RaftDisk;
  stateMachine: GroupStateMachine;
  /** Hands messages to the transport (best effort: Raft tolerates loss). */
  send: (messages: readonly Message[]) => void;
  /** Called when the loop hits an error it cannot recover from; the process should stop. */
  onFatal: (error: unknown) => void;
  /** Applied entries between log compactions. Default 10000. */
  compactEveryEntries?: number;
  /** How long a proposal waits to be applied before its outcome is reported unknown. Default 10000 ms. */
  proposalTimeoutMs?: number;
  /** How long a read-index request or an applied-index wait may take. Default 5000 ms. */
  readTimeoutMs?: number;
  /**
   * On a follower, committed entries are applied at most this long after they arrive, together with
   * the ones that follow meanwhile, instead of one state machine commit per replication round; a read
   * that must see them (a read barrier's wait), a compaction, a snapshot or leadership applies them at
   * once. 0 (the default) applies every round's entries at once.
   */
  followerApplyDelayMs?: number;
}

export const defaultCompactEveryEntries = 10_000;
export const defaultProposalTimeoutMs = 10_000;
export const defaultReadTimeoutMs = 5_000;
/** Entries and data bytes a follower holds back from applying at most (see `followerApplyDelayMs`). */
const maxDeferredEntries = 1_024;
const maxDeferredBytes = 4 * 1024 * 1024;

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

interface ProposalWaiter extends Waiter<unknown> {
  term: number;
}

interface AppliedWaiter extends Waiter<void> {
  index: number;
}

/** A write decided by the leader and proposed, waiting to be applied: readers must see it already. */
interface PendingImage {
  item: Item | undefined;
  index: number;
}

export class Replica {
  readonly group: string;
  readonly #node: RaftNode;
  readonly #disk: RaftDisk;
  readonly #stateMachine: GroupStateMachine;
  readonly #send: (messages: readonly Message[]) => void;
  readonly #onFatal: (error: unknown) => void;
  readonly #compactEveryEntries: number;
  readonly #proposalTimeoutMs: number;
  readonly #readTimeoutMs: number;
  readonly #followerApplyDelayMs: number;
  /** Committed entries this follower has not applied yet, oldest first (see `followerApplyDelayMs`). */
  #deferred: Entry[] = [];
  #deferredBytes = 0;
  #deferTimer: NodeJS.Timeout | undefined;
  /** The deferred entries are to be applied at the loop's next turn. */
  #applyDue = false;
  readonly #proposals = new Map<number, ProposalWaiter>();
  readonly #reads = new Map<string, Waiter<number>>();
  #appliedWaiters: AppliedWaiter[] = [];
  readonly #pending = new Map<string, PendingImage>();
  readonly #pendingByIndex = new Map<number, string[]>();
  /** Keys locked by transactions in entries proposed in this term and not yet applied: item key → txId. */
  readonly #pendingLocks = new Map<string, { txId: string; index: number }>();
  /** The term this node leads and the index of its first entry in it (the no-op). */
  #leadership: { term: number; firstIndex: number } | undefined;
  #appliedIndex: number;
  #persistedAppliedIndex: number;
  #pumping = false;
  #running: Promise<void> = Promise.resolve();
  #closed = false;
  /** Readies taken from the node so far, and how many of them had their messages handed to `send`. */
  #readiesTaken = 0;
  #readiesSent = 0;
  /** The ready that carries what the latest `step` caused: the one taken after it began. */
  #readyOfLastStep = 0;
  /** Callers of `messagesSent`, each waiting for the ready of the last step before its call. */
  #sentWaiters: { readies: number; resolve: () => void }[] = [];
  /** The term and vote last written to disk (what must be durable before any message promises it). */
  #writtenVote: { term: number; vote: NodeId | undefined };
  /** A hard state newer than the one on disk only by its commit index, written with the next write. */
  #unwrittenHardState: HardState | undefined;

  constructor(options: ReplicaOptions) {
    this.group = options.group;
    this.#node = options.node;
    this.#disk = options.disk;
    this.#stateMachine = options.stateMachine;
    this.#send = options.send;
    this.#onFatal = options.onFatal;
    this.#compactEveryEntries = options.compactEveryEntries ?? defaultCompactEveryEntries;
    this.#proposalTimeoutMs = options.proposalTimeoutMs ?? defaultProposalTimeoutMs;
    this.#readTimeoutMs = options.readTimeoutMs ?? defaultReadTimeoutMs;
    this.#followerApplyDelayMs = options.followerApplyDelayMs ?? 0;
    const status = this.#node.status();
    this.#appliedIndex = status.appliedIndex;
    this.#persistedAppliedIndex = this.#appliedIndex;
    this.#writtenVote = { term: status.term, vote: status.vote };
  }

  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  get leaderId(): NodeId | undefined {
    return this.#node.leaderId;
  }

  /**
   * The group's Raft status, with the index this replica's state machine has really applied: on a
   * follower that holds committed entries back (`followerApplyDelayMs`), Raft counts them applied
   * already, but a reader of the state machine does not see them yet.
   */
  status(): RaftStatus {
    return { ...this.#node.status(), appliedIndex: this.#appliedIndex };
  }

  /**
   * Whether this node may decide writes now: it leads, and it has applied every entry before its
   * term's first one, so its applied state plus its pending writes is the whole committed history.
   */
  isWriteReady(): boolean {
    return (
      this.#node.role === "leader" &&
      this.#leadership !== undefined &&
      this.#leadership.term === this.#node.term &&
      this.#appliedIndex >= this.#leadership.firstIndex
    );
  }

  /** Throws `NotLeaderError` unless `isWriteReady()`. */
  assertWriteReady(): void {
    if (!this.isWriteReady()) throw new NotLeaderError(this.group, this.#node.leaderId);
  }

  /** The pending (proposed, not yet applied) image under `itemKey`, if the leader has one. */
  pendingImage(itemKey: string): PendingImage | undefined {
    return this.#pending.get(itemKey);
  }

  /** The transaction whose lock on `itemKey` this leader proposed and has not applied yet, if any. */
  pendingLockHolder(itemKey: string): string | undefined {
    return this.#pendingLocks.get(itemKey)?.txId;
  }

  /** Whether this leader proposed transaction locks it has not applied yet (a split would meet them). */
  hasPendingLocks(): boolean {
    return this.#pendingLocks.size > 0;
  }

  tick(): void {
    this.#node.tick();
    this.#afterChange();
  }

  step(message: Message): void {
    // Whether a ready is in hand or not, the next one taken carries this step's effects.
    this.#readyOfLastStep = this.#readiesTaken + 1;
    this.#node.step(message);
    this.#afterChange();
  }

  /** Starts an election now (used when a node knows the leader is gone, and by tests). */
  campaign(): void {
    this.#node.campaign();
    this.#afterChange();
  }

  /**
   * Proposes `data`, recording `images` (item key → the image it writes) and the keys it locks for
   * transaction `lock.txId` as pending until applied. Synchronous up to the proposal, so that the
   * decision and the proposal are one step; the promise resolves with the command's apply result once
   * the entry is applied in the proposal's term.
   */
  propose(
    data: Uint8Array,
    images: ReadonlyMap<string, Item | undefined> = new Map(),
    lock?: { txId: string; itemKeys: readonly string[] },
  ): Promise<unknown> {
    this.assertWriteReady();
    const result = this.#node.propose(data);
    if (!result.ok) throw this.#refusal(result);
    const { index, term } = result;
    const keys: string[] = [];
    for (const [key, item] of images) {
      this.#pending.set(key, { item, index });
      keys.push(key);
    }
    for (const key of lock?.itemKeys ?? []) {
      this.#pendingLocks.set(key, { txId: lock!.txId, index });
      keys.push(key);
    }
    if (keys.length > 0) this.#pendingByIndex.set(index, keys);
    const promise = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#proposals.delete(index);
        reject(
          new ClusterTimeoutError(`the write proposed at ${this.group}:${index}`, this.#proposalTimeoutMs),
        );
      }, this.#proposalTimeoutMs);
      this.#proposals.set(index, { term, resolve, reject, timer });
    });
    this.#kick();
    return promise;
  }

  /** On the leader: the index a linearizable read must wait for, once a majority confirmed leadership. */
  readIndex(): Promise<number> {
    const id = randomUUID();
    const result = this.#node.readIndex(id);
    if (!result.ok) throw this.#refusal(result);
    const promise = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#reads.delete(id);
        reject(new ClusterTimeoutError(`a read index of ${this.group}`, this.#readTimeoutMs));
      }, this.#readTimeoutMs);
      this.#reads.set(id, { resolve, reject, timer });
    });
    this.#kick();
    return promise;
  }

  /** Resolves once this replica has applied `index`. */
  waitApplied(index: number): Promise<void> {
    if (this.#appliedIndex >= index) return Promise.resolve();
    this.#applyDeferredSoon();
    return new Promise<void>((resolve, reject) => {
      const waiter: AppliedWaiter = {
        index,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#appliedWaiters = this.#appliedWaiters.filter((other) => other !== waiter);
          reject(new ClusterTimeoutError(`applying ${this.group} up to ${index}`, this.#readTimeoutMs));
        }, this.#readTimeoutMs),
      };
      this.#appliedWaiters.push(waiter);
    });
  }

  /**
   * Resolves once the messages caused by everything stepped so far have been handed to `send` (which
   * happens only after the state they promise is persisted), or at once when there is nothing left to
   * send; also when the loop stops. A node answers a peer's batch with those messages.
   */
  messagesSent(): Promise<void> {
    const readies = this.#readyOfLastStep;
    // A stopped loop has sent everything: a step that left something to send starts it at once.
    if (this.#closed || !this.#pumping || this.#readiesSent >= readies) return Promise.resolve();
    return new Promise((resolve) => this.#sentWaiters.push({ readies, resolve }));
  }

  /** Stops the loop and waits for the batch in hand; waiters are failed. Persisted state stays as it is. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#deferTimer);
    await this.#running;
    const stopped = new NotLeaderError(this.group, undefined);
    for (const waiter of this.#proposals.values()) this.#fail(waiter, stopped);
    for (const waiter of this.#reads.values()) this.#fail(waiter, stopped);
    for (const waiter of this.#appliedWaiters) this.#fail(waiter, stopped);
    this.#proposals.clear();
    this.#reads.clear();
    this.#appliedWaiters = [];
  }

  #refusal(refusal: RaftRefusal): Error {
    if (refusal.code === "NotLeader") return new NotLeaderError(this.group, refusal.leaderHint);
    return new ClusterBusyError(this.group, refusal.code);
  }

  #fail<T>(waiter: Waiter<T>, error: unknown): void {
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  /** Tracks leadership: a new term led here starts with an empty pending set. */
  #afterChange(): void {
    const leading = this.#node.role === "leader";
    if (leading && this.#leadership?.term !== this.#node.term) {
      // A leader decides against its applied state: everything held back is applied first.
      this.#applyDeferredSoon();
      this.#clearPending();
      this.#leadership = { term: this.#node.term, firstIndex: this.#node.status().lastIndex };
    } else if (!leading && this.#leadership !== undefined) {
      this.#leadership = undefined;
      this.#clearPending();
    }
    this.#kick();
  }

  #clearPending(): void {
    this.#pending.clear();
    this.#pendingByIndex.clear();
    this.#pendingLocks.clear();
  }

  #kick(): void {
    if (!this.#pumping && !this.#closed && (this.#node.hasReady() || this.#applyDue)) {
      this.#running = this.#pump();
    }
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (!this.#closed && (this.#node.hasReady() || this.#applyDue)) {
        if (this.#applyDue) {
          await this.#applyDeferred();
          this.#afterAppliedChange();
          if (!this.#node.hasReady()) continue;
        }
        const ready = this.#node.ready();
        this.#readiesTaken++;
        const applied =
          this.#stateMachine.flush === undefined && this.#appliedIndex > this.#persistedAppliedIndex
            ? this.#appliedIndex
            : undefined;
        await this.#disk.persist(this.group, this.#withHardStateToWrite(ready, applied), applied);
        if (applied !== undefined) this.#persistedAppliedIndex = applied;
        if (ready.messages.length > 0) this.#send(ready.messages);
        this.#readiesSent = this.#readiesTaken;
        this.#wakeSentWaiters();
        if (ready.snapshot) {
          await this.#applyDeferred();
          await this.#installSnapshot(ready.snapshot);
        }
        if (ready.committedEntries.length > 0) {
          if (this.#mayDefer()) this.#defer(ready.committedEntries);
          else {
            await this.#applyDeferred();
            await this.#apply(ready.committedEntries);
          }
        }
        for (const { requestId, index } of ready.readStates) {
          const waiter = this.#reads.get(requestId);
          if (!waiter) continue;
          this.#reads.delete(requestId);
          clearTimeout(waiter.timer);
          waiter.resolve(index);
        }
        for (const requestId of ready.abandonedReads) {
          const waiter = this.#reads.get(requestId);
          if (!waiter) continue;
          this.#reads.delete(requestId);
          this.#fail(waiter, new NotLeaderError(this.group, this.#node.leaderId));
        }
        this.#node.advance(ready);
        this.#afterAppliedChange();
        await this.#maybeCompact();
      }
    } catch (error) {
      // After close() the engine may already be shut: that failure is the shutdown, not a fault.
      if (!this.#closed) {
        this.#closed = true;
        this.#onFatal(error);
      }
    } finally {
      this.#pumping = false;
      // The loop stops only once nothing is left to send (or for good): no waiter has more to wait for.
      const waiters = this.#sentWaiters;
      this.#sentWaiters = [];
      for (const waiter of waiters) waiter.resolve();
    }
  }

  /**
   * What of `ready` to write: a hard state whose only change is its commit index is not worth a write
   * and a flush of its own (the commit index is volatile in Raft: a restarted node learns it again
   * from its leader), so it waits for the next write — which also carries any newer applied index, so
   * the commit on disk never trails the applied index on disk (a state machine that records its own
   * applied index gets the commit raised to it at load). A term or vote is always written at once.
   */
  #withHardStateToWrite(ready: Ready, applied: number | undefined): Ready {
    const hardState = ready.hardState ?? this.#unwrittenHardState;
    if (hardState === undefined) return ready;
    const sameVote = hardState.term === this.#writtenVote.term && hardState.vote === this.#writtenVote.vote;
    if (sameVote && !ready.snapshot && ready.entries.length === 0 && applied === undefined) {
      this.#unwrittenHardState = hardState;
      return ready.hardState === undefined ? ready : { ...ready, hardState: undefined };
    }
    this.#unwrittenHardState = undefined;
    this.#writtenVote = { term: hardState.term, vote: hardState.vote };
    return ready.hardState === hardState ? ready : { ...ready, hardState };
  }

  #wakeSentWaiters(): void {
    if (this.#sentWaiters.length === 0) return;
    const still: { readies: number; resolve: () => void }[] = [];
    for (const waiter of this.#sentWaiters) {
      if (waiter.readies <= this.#readiesSent) waiter.resolve();
      else still.push(waiter);
    }
    this.#sentWaiters = still;
  }

  async #installSnapshot(snapshot: Snapshot): Promise<void> {
    await this.#stateMachine.install(snapshot.data, snapshot.index);
    this.#appliedIndex = Math.max(this.#appliedIndex, snapshot.index);
    this.#clearPending();
    for (const [index, waiter] of this.#proposals) {
      if (index > snapshot.index) continue;
      this.#proposals.delete(index);
      this.#fail(waiter, new OutcomeUnknownError(this.group, index));
    }
  }

  /**
   * Whether the entries of this round may wait (see `followerApplyDelayMs`): on a follower, with no
   * proposal of its own (from when it led) and no reader waiting for them.
   */
  #mayDefer(): boolean {
    return (
      this.#followerApplyDelayMs > 0 &&
      this.#node.role !== "leader" &&
      this.#proposals.size === 0 &&
      this.#appliedWaiters.length === 0
    );
  }

  #defer(entries: readonly Entry[]): void {
    for (const entry of entries) {
      this.#deferred.push(entry);
      this.#deferredBytes += entry.data.length;
    }
    if (this.#deferred.length >= maxDeferredEntries || this.#deferredBytes >= maxDeferredBytes) {
      this.#applyDue = true;
    } else {
      this.#deferTimer ??= setTimeout(() => {
        this.#deferTimer = undefined;
        this.#applyDeferredSoon();
      }, this.#followerApplyDelayMs);
    }
  }

  /** Has the loop apply the held-back entries at its next turn (starting it if it is idle). */
  #applyDeferredSoon(): void {
    if (this.#deferred.length === 0) return;
    this.#applyDue = true;
    this.#kick();
  }

  async #applyDeferred(): Promise<void> {
    this.#applyDue = false;
    clearTimeout(this.#deferTimer);
    this.#deferTimer = undefined;
    if (this.#deferred.length === 0) return;
    const entries = this.#deferred;
    this.#deferred = [];
    this.#deferredBytes = 0;
    await this.#apply(entries);
  }

  async #apply(entries: readonly Entry[]): Promise<void> {
    const results = await this.#stateMachine.apply(entries);
    for (const entry of entries) {
      const waiter = this.#proposals.get(entry.index);
      if (waiter) {
        this.#proposals.delete(entry.index);
        clearTimeout(waiter.timer);
        if (entry.term !== waiter.term) {
          waiter.reject(new ProposalDroppedError(this.group, entry.index));
        } else {
          const result = results.get(entry.index) ?? { ok: true, value: undefined };
          if (result.ok) waiter.resolve(result.value);
          else waiter.reject(result.error);
        }
      }
      const keys = this.#pendingByIndex.get(entry.index);
      if (keys) {
        this.#pendingByIndex.delete(entry.index);
        for (const key of keys) {
          if (this.#pending.get(key)?.index === entry.index) this.#pending.delete(key);
          if (this.#pendingLocks.get(key)?.index === entry.index) this.#pendingLocks.delete(key);
        }
      }
    }
    this.#appliedIndex = entries.at(-1)!.index;
  }

  #afterAppliedChange(): void {
    if (this.#appliedWaiters.length === 0) return;
    const still: AppliedWaiter[] = [];
    for (const waiter of this.#appliedWaiters) {
      if (waiter.index <= this.#appliedIndex) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else {
        still.push(waiter);
      }
    }
    this.#appliedWaiters = still;
  }

  async #maybeCompact(): Promise<void> {
    const status = this.#node.status();
    const index = status.appliedIndex;
    if (index - status.snapshotIndex < this.#compactEveryEntries) return;
    // The snapshot is the state machine's state at `index`: nothing may be held back.
    await this.#applyDeferred();
    const term = this.#node.termAt(index);
    const config = this.#node.configurationAt(index);
    if (term === undefined || config === undefined) return;
    const data = this.#stateMachine.snapshot();
    // The entries a snapshot replaces are gone from the log: what they did must be on disk first.
    await this.#stateMachine.flush?.();
    await this.#disk.compact(this.group, { index, term, config, data });
    this.#node.compact(index, data);
  }
}
