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
import {
  ClusterBusyError,
  GroupSplittingError,
  LockConflictError,
  NotLeaderError,
  WrongGroupError,
} from "./errors.js";
import type { HostedGroup, HostedGroups } from "./hosted-groups.js";
import type { Replica } from "./replica.js";
import type { Decision } from "./transaction-table.js";

/** A key to lock: the table (by name and identity) and the item's key attributes. */
export interface LockKey {
  table: string;
  tableId: string;
  key: Item;
}

export interface LockRequest {
  group: string;
  txId: string;
  /** The group whose log records the decision. */
  coordinator: string;
  /** The catalog index the coordinator decided at: this node's catalog must reach it first. */
  metaIndex: number;
  keys: LockKey[];
}

/** The locked items, in the order of the request's keys (`null`: no item). */
export interface LockAnswer {
  items: (Item | null)[];
}

export interface DecideRequest {
  group: string;
  txId: string;
  outcome: TransactionOutcome;
  metaIndex: number;
  writes: Record<string, ItemWrite[]>;
}

export interface FinishRequest {
  group: string;
  txId: string;
  outcome: TransactionOutcome;
  metaIndex: number;
  writes: ItemWrite[];
}

export interface ForgetRequest {
  group: string;
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
  /** The item groups this node hosts. */
  groups: HostedGroups;
  /**
   * How old a lock may grow before this group's leader asks its coordinator group for the decision.
   * Default 5000 ms: far above a healthy transaction's milliseconds, so recovery rarely races a live
   * coordinator (and is safe when it does: the first decision recorded wins).
   */
  lockTimeoutMs?: number;
  /** Locks one group may hold at once; more lock requests are refused as busy. Default 10000. */
  maxHeldLocks?: number;
  /**
   * Whether a group refuses new locks for now: one that waits for its locks to drain so that it can
   * split. The coordinator aborts and the router sends the transaction again. Default: never.
   */
  refusesLocks?: (group: string) => boolean;
}

export const defaultLockTimeoutMs = 5_000;
export const defaultMaxHeldLocks = 10_000;
/** Stale locks resolved at the same time at most, per node. */
export const maxRecoveriesInFlight = 16;

export class TransactionParticipant {
  readonly #engine: StorageEngine;
  readonly #meta: Replica;
  readonly #groups: HostedGroups;
  readonly #lockTimeoutMs: number;
  readonly #maxHeldLocks: number;
  readonly #refusesLocks: (group: string) => boolean;
  readonly #recovering = new Set<string>();

  constructor(options: TransactionParticipantOptions) {
    this.#engine = options.engine;
    this.#meta = options.meta;
    this.#groups = options.groups;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? defaultLockTimeoutMs;
    this.#maxHeldLocks = options.maxHeldLocks ?? defaultMaxHeldLocks;
    this.#refusesLocks = options.refusesLocks ?? (() => false);
  }

  /** Whether this node may decide for `group` now (it leads it and has applied its predecessors). */
  leads(group: string): boolean {
    return this.#groups.get(group)?.replica.isWriteReady() ?? false;
  }

  /** The transaction holding `itemKey` in `group`: applied, or proposed here and not yet applied. */
  lockHolder(group: string, itemKey: string): string | undefined {
    const hosted = this.#hosted(group);
    return hosted.machine.transactions.lockHolder(itemKey) ?? hosted.replica.pendingLockHolder(itemKey);
  }

  /**
   * Locks the request's keys (refusing with `LockConflictError` the keys another transaction holds)
   * and reads them once the lock is applied: from then on no other write to them is decided, so the
   * items read stay the items until the transaction finishes.
   */
  async lock(request: LockRequest): Promise<LockAnswer> {
    const { replica, machine } = this.#hosted(request.group);
    replica.assertWriteReady();
    await this.#meta.waitApplied(request.metaIndex);
    replica.assertWriteReady();
    const located = request.keys.map(({ table: name, tableId, key }) => {
      const table = this.#engine.getTable(name);
      if (!table || tableIdentity(table) !== tableId) {
        throw resourceNotFound(`Requested resource not found: Table: ${name} not found`);
      }
      const location = locateItem(table, key);
      // A group that split since the coordinator looked: it locks again with the new map.
      if (location.hash < machine.range.startHash || location.hash >= machine.range.endHash) {
        throw new WrongGroupError(replica.group);
      }
      return location;
    });
    const itemKeys = located.map((location) => location.key.toString("latin1"));
    const transactions = machine.transactions;
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
      if (this.#refusesLocks(request.group)) throw new GroupSplittingError(replica.group);
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
    if (!machine.transactions.lock(request.txId)) {
      throw new LockConflictError(replica.group, allPositions);
    }
    return { items: located.map((location) => this.#engine.getItemAt(location) ?? null) };
  }

  /** Records `request`'s outcome unless one is recorded already; resolves with the recorded decision. */
  async decide(request: DecideRequest): Promise<Decision> {
    const { replica, machine } = this.#hosted(request.group);
    replica.assertWriteReady();
    const recorded = machine.transactions.decision(request.txId);
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
    const { replica } = this.#hosted(request.group);
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
    const { replica, machine } = this.#hosted(request.group);
    replica.assertWriteReady();
    if (!machine.transactions.decision(request.txId)) return;
    await replica.propose(encodeCommand({ kind: "forget", txId: request.txId }));
  }

  /**
   * Starts resolving the locks this node's led groups hold for longer than `lockTimeoutMs`: asks the
   * coordinator group (through `calls`) to decide — an abort, unless a commit is recorded — and
   * finishes the group's part accordingly. Failures are left for the next round.
   */
  recoverStaleLocks(calls: TransactionCalls, nowMs: number): void {
    for (const { record, replica, machine } of this.#groups.values()) {
      const group = record.name;
      if (!replica.isWriteReady()) continue;
      for (const lock of machine.transactions.locks()) {
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
            writes: decision.writes[group] ?? [],
          });
        };
        resolve()
          .catch(() => undefined)
          .finally(() => this.#recovering.delete(id));
      }
    }
  }

  /** The hosted group `group`; a group this node does not host yet (a split it has not applied) is led elsewhere. */
  #hosted(group: string): HostedGroup {
    const hosted = this.#groups.get(group);
    if (!hosted) throw new NotLeaderError(group, undefined);
    return hosted;
  }
}
