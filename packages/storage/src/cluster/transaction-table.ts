/**
 * The replicated part of cross-group transactions in one partition group: the locks its log holds
 * (each transaction's prepared intent on this group's keys) and, in a transaction's coordinator group,
 * its decision. Pure and deterministic: every replica applies the same commands in log order and ends
 * with the same table, which travels in the group's snapshots (see README.md, "Transactions across
 * partition groups").
 */
import type { ItemWrite, TransactionCommand, TransactionOutcome } from "./commands.js";

/**
 * Finished transactions remembered per group (oldest forgotten first): a `lock` of a transaction
 * this group already finished is refused, so that a lock request delayed past its transaction's end
 * cannot lock (and later have recovery re-apply) anything.
 */
export const maxFinishedRemembered = 10_000;

export interface HeldLock {
  txId: string;
  coordinator: string;
  lockedAtMs: number;
  itemKeys: string[];
}

export interface Decision {
  outcome: TransactionOutcome;
  metaIndex: number;
  writes: Record<string, ItemWrite[]>;
}

/** What applying one command means beyond the table itself. */
export type TransactionEffect =
  | { kind: "none" }
  /** A `lock` refused at apply time: another transaction holds one of its keys. */
  | { kind: "conflict" }
  /** A `finish` that commits: these writes must be applied with the entry. */
  | { kind: "writes"; writes: ItemWrite[] }
  /** A `decide`: the decision recorded for the transaction (the first one). */
  | { kind: "decision"; decision: Decision };

/** The table's form inside a partition snapshot. */
export interface TransactionTableData {
  locks: HeldLock[];
  decisions: [string, Decision][];
  finished?: string[];
}

export class TransactionTable {
  readonly #locks = new Map<string, HeldLock>();
  readonly #lockedKeys = new Map<string, string>();
  readonly #decisions = new Map<string, Decision>();
  readonly #finished = new Set<string>();

  static from(data: TransactionTableData | undefined): TransactionTable {
    const table = new TransactionTable();
    for (const lock of data?.locks ?? []) table.#hold(lock);
    for (const [txId, decision] of data?.decisions ?? []) table.#decisions.set(txId, decision);
    for (const txId of data?.finished ?? []) table.#finished.add(txId);
    return table;
  }

  toData(): TransactionTableData {
    return {
      locks: [...this.#locks.values()],
      decisions: [...this.#decisions],
      finished: [...this.#finished],
    };
  }

  /** A copy to apply a batch to, so that readers see the table change only with the items. */
  clone(): TransactionTable {
    const copy = new TransactionTable();
    for (const [txId, lock] of this.#locks) copy.#locks.set(txId, lock);
    for (const [key, txId] of this.#lockedKeys) copy.#lockedKeys.set(key, txId);
    for (const [txId, decision] of this.#decisions) copy.#decisions.set(txId, decision);
    for (const txId of this.#finished) copy.#finished.add(txId);
    return copy;
  }

  /** The transaction holding a lock on `itemKey`, if any. */
  lockHolder(itemKey: string): string | undefined {
    return this.#lockedKeys.get(itemKey);
  }

  lock(txId: string): HeldLock | undefined {
    return this.#locks.get(txId);
  }

  locks(): IterableIterator<HeldLock> {
    return this.#locks.values();
  }

  get lockCount(): number {
    return this.#locks.size;
  }

  /** Whether this group already finished (committed or aborted) transaction `txId`. */
  hasFinished(txId: string): boolean {
    return this.#finished.has(txId);
  }

  decision(txId: string): Decision | undefined {
    return this.#decisions.get(txId);
  }

  apply(command: TransactionCommand): TransactionEffect {
    switch (command.kind) {
      case "lock": {
        if (this.#locks.has(command.txId)) return { kind: "none" };
        if (this.#finished.has(command.txId)) return { kind: "conflict" };
        const taken = command.itemKeys.some((key) => {
          const holder = this.#lockedKeys.get(key);
          return holder !== undefined && holder !== command.txId;
        });
        if (taken) return { kind: "conflict" };
        const { txId, coordinator, lockedAtMs, itemKeys } = command;
        this.#hold({ txId, coordinator, lockedAtMs, itemKeys });
        return { kind: "none" };
      }
      case "decide": {
        const recorded = this.#decisions.get(command.txId);
        if (recorded) return { kind: "decision", decision: recorded };
        const decision: Decision = {
          outcome: command.outcome,
          metaIndex: command.metaIndex,
          writes: command.outcome === "commit" ? command.writes : {},
        };
        this.#decisions.set(command.txId, decision);
        return { kind: "decision", decision };
      }
      case "finish": {
        const held = this.#locks.get(command.txId);
        this.#rememberFinished(command.txId);
        if (!held) return { kind: "none" };
        this.#release(held);
        return command.outcome === "commit" ? { kind: "writes", writes: command.writes } : { kind: "none" };
      }
      case "forget":
        this.#decisions.delete(command.txId);
        return { kind: "none" };
    }
  }

  #hold(lock: HeldLock): void {
    this.#locks.set(lock.txId, lock);
    for (const key of lock.itemKeys) this.#lockedKeys.set(key, lock.txId);
  }

  #rememberFinished(txId: string): void {
    this.#finished.add(txId);
    if (this.#finished.size <= maxFinishedRemembered) return;
    const [oldest] = this.#finished;
    this.#finished.delete(oldest!);
  }

  #release(lock: HeldLock): void {
    this.#locks.delete(lock.txId);
    for (const key of lock.itemKeys) {
      if (this.#lockedKeys.get(key) === lock.txId) this.#lockedKeys.delete(key);
    }
  }
}
