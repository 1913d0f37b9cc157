/**
 * A partition group leader's side of a transaction across groups (see README.md, "Transactions across
 * partition groups"): it locks a transaction's keys by proposing a `lock` entry and then reads them,
 * records the decision when its group coordinates the transaction, finishes (commits or aborts) the
 * transaction's part in its group, and recovers the locks whose coordinator went silent by asking the
 * coordinator group for the decision — recording an abort there if nothing was decided yet.
 */
import { locateItem, type StorageEngine } from "../engine/index.js";
import { resourceNotFound } from "../errors.js";
import type { Item } from "../values/types.js";
import { encodeCommand, type ItemWrite, type TransactionOutcome, tableIdentity } from "./commands.js";
import { ClusterBusyError, LockConflictError } from "./errors.js";
import { partitionIndexOf } from "./partition-groups.js";
import type { Replica } from "./replica.js";
import type { PartitionStateMachine } from "./state-machines.js";
import type { Decision } from "./transaction-table.js";

/** A key to lock: the table (by name and identity) and the item's key attributes. */
export interface LockKey {
  table: string;
  tableId: string;
  key: Item;
}

export interface LockRequest {
  group: number;
  txId: string;
  /** The group whose log records the decision. */
  coordinator: number;
  /** The catalog index the coordinator decided at: this node's catalog must reach it first. */
  metaIndex: number;
  keys: LockKey[];
}

/** The locked items, in the order of the request's keys (`null`: no item). */
export interface LockAnswer {
  items: (Item | null)[];
}

export interface DecideRequest {
  group: number;
  txId: string;
  outcome: TransactionOutcome;
  metaIndex: number;
  writes: Record<string, ItemWrite[]>;
}

export interface FinishRequest {
  group: number;
  txId: string;
  outcome: TransactionOutcome;
  metaIndex: number;
  writes: ItemWrite[];
}

export interface ForgetRequest {
  group: number;
  txId: string;
}

/** The four calls a coordinator makes on group leaders, wherever the leader runs. */
export interface TransactionCalls {
  lock(request: LockRequest): Promise<LockAnswer>;
  decide(request: DecideRequest): Promise<Decision>;
  finish(request: FinishRequest): Promise<void>;
  forget(request: ForgetRequest): Promise<void>;
}

export interface TransactionParticipantOptions {
  engine: StorageEngine;
  meta: Replica;
  partitions: readonly Replica[];
  machines: readonly PartitionStateMachine[];
  /**
   * How old a lock may grow before this group's leader asks its coordinator group for the decision.
   * Default 5000 ms: far above a healthy transaction's milliseconds, so recovery rarely races a live
   * coordinator (and is safe when it does: the first decision recorded wins).
   */
  lockTimeoutMs?: number;
  /** Locks one group may hold at once; more lock requests are refused as busy. Default 10000. */
  maxHeldLocks?: number;
}

export const defaultLockTimeoutMs = 5_000;
export const defaultMaxHeldLocks = 10_000;
/** Stale locks resolved at the same time at most, per node. */
export const maxRecoveriesInFlight = 16;

export class TransactionParticipant {
  readonly #engine: StorageEngine;
  readonly #meta: Replica;
  readonly #partitions: readonly Replica[];
  readonly #machines: readonly PartitionStateMachine[];
  readonly #lockTimeoutMs: number;
  readonly #maxHeldLocks: number;
  readonly #recovering = new Set<string>();

  constructor(options: TransactionParticipantOptions) {
    this.#engine = options.engine;
    this.#meta = options.meta;
    this.#partitions = options.partitions;
    this.#machines = options.machines;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? defaultLockTimeoutMs;
    this.#maxHeldLocks = options.maxHeldLocks ?? defaultMaxHeldLocks;
  }

  /** Whether this node may decide for `group` now (it leads it and has applied its predecessors). */
  leads(group: number): boolean {
    return this.#replica(group).isWriteReady();
  }

  /** The transaction holding `itemKey` in `group`: applied, or proposed here and not yet applied. */
  lockHolder(group: number, itemKey: string): string | undefined {
    return (
      this.#machines[group]!.transactions.lockHolder(itemKey) ??
      this.#replica(group).pendingLockHolder(itemKey)
    );
  }

  /**
   * Locks the request's keys (refusing with `LockConflictError` the keys another transaction holds)
   * and reads them once the lock is applied: from then on no other write to them is decided, so the
   * items read stay the items until the transaction finishes.
   */
  async lock(request: LockRequest): Promise<LockAnswer> {
    const replica = this.#replica(request.group);
    replica.assertWriteReady();
    await this.#meta.waitApplied(request.metaIndex);
    replica.assertWriteReady();
    const located = request.keys.map(({ table: name, tableId, key }) => {
      const table = this.#engine.getTable(name);
      if (!table || tableIdentity(table) !== tableId) {
        throw resourceNotFound(`Requested resource not found: Table: ${name} not found`);
      }
      const location = locateItem(table, key);
      if (partitionIndexOf(location.hash, this.#partitions.length) !== request.group) {
        throw new RangeError(`a lock request for ${replica.group} names a key of another group`);
      }
      return location;
    });
    const itemKeys = located.map((location) => location.key.toString("latin1"));
    const transactions = this.#machines[request.group]!.transactions;
    const allPositions = itemKeys.map((_, position) => position);
    if (transactions.hasFinished(request.txId)) throw new LockConflictError(replica.group, allPositions);
    if (!transactions.lock(request.txId)) {
      const conflicts = allPositions.filter((position) => {
        const holder = this.lockHolder(request.group, itemKeys[position]!);
        return holder !== undefined && holder !== request.txId;
      });
      if (conflicts.length > 0) throw new LockConflictError(replica.group, conflicts);
      if (transactions.lockCount >= this.#maxHeldLocks) {
        throw new ClusterBusyError(replica.group, `${this.#maxHeldLocks} transaction locks held`);
      }
      const command = encodeCommand({
        kind: "lock",
        txId: request.txId,
        coordinator: request.coordinator,
        lockedAtMs: Date.now(),
        itemKeys,
      });
      try {
        await replica.propose(command, new Map(), { txId: request.txId, itemKeys });
      } catch (error) {
        if (error instanceof LockConflictError) throw new LockConflictError(replica.group, allPositions);
        throw error;
      }
    }
    // Recovery may have aborted a lock that outlived its timeout before this answer.
    if (!this.#machines[request.group]!.transactions.lock(request.txId)) {
      throw new LockConflictError(replica.group, allPositions);
    }
    return { items: located.map((location) => this.#engine.getItemAt(location) ?? null) };
  }

  /** Records `request`'s outcome unless one is recorded already; resolves with the recorded decision. */
  async decide(request: DecideRequest): Promise<Decision> {
    const replica = this.#replica(request.group);
    replica.assertWriteReady();
    const recorded = this.#machines[request.group]!.transactions.decision(request.txId);
    if (recorded) return recorded;
    const command = encodeCommand({
      kind: "decide",
      txId: request.txId,
      outcome: request.outcome,
      metaIndex: request.metaIndex,
      writes: request.outcome === "commit" ? request.writes : {},
    });
    return (await replica.propose(command)) as Decision;
  }

  /** Commits or aborts the transaction's part in the group; does nothing once it no longer holds the lock. */
  async finish(request: FinishRequest): Promise<void> {
    const replica = this.#replica(request.group);
    replica.assertWriteReady();
    const command = encodeCommand({
      kind: "finish",
      txId: request.txId,
      outcome: request.outcome,
      metaIndex: request.metaIndex,
      writes: request.outcome === "commit" ? request.writes : [],
    });
    await replica.propose(command);
  }

  async forget(request: ForgetRequest): Promise<void> {
    const replica = this.#replica(request.group);
    replica.assertWriteReady();
    if (!this.#machines[request.group]!.transactions.decision(request.txId)) return;
    await replica.propose(encodeCommand({ kind: "forget", txId: request.txId }));
  }

  /**
   * Starts resolving the locks this node's led groups hold for longer than `lockTimeoutMs`: asks the
   * coordinator group (through `calls`) to decide — an abort, unless a commit is recorded — and
   * finishes the group's part accordingly. Failures are left for the next round.
   */
  recoverStaleLocks(calls: TransactionCalls, nowMs: number): void {
    for (let group = 0; group < this.#partitions.length; group++) {
      if (!this.leads(group)) continue;
      for (const lock of this.#machines[group]!.transactions.locks()) {
        if (this.#recovering.size >= maxRecoveriesInFlight) return;
        const id = `${group}/${lock.txId}`;
        if (nowMs - lock.lockedAtMs < this.#lockTimeoutMs || this.#recovering.has(id)) continue;
        this.#recovering.add(id);
        const resolve = async () => {
          const decision = await calls.decide({
            group: lock.coordinator,
            txId: lock.txId,
            outcome: "abort",
            metaIndex: 0,
            writes: {},
          });
          await calls.finish({
            group,
            txId: lock.txId,
            outcome: decision.outcome,
            metaIndex: decision.metaIndex,
            writes: decision.writes[String(group)] ?? [],
          });
        };
        resolve()
          .catch(() => undefined)
          .finally(() => this.#recovering.delete(id));
      }
    }
  }

  #replica(group: number): Replica {
    const replica = this.#partitions[group];
    if (!replica) throw new RangeError(`no partition group ${group}`);
    return replica;
  }
}
