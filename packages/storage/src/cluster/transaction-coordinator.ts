/**
 * The coordinator of a transaction across partition groups (see README.md, "Transactions across
 * partition groups"): locks the transaction's keys in every group it touches and reads them, runs the
 * operation's body against those locked items, makes the decision durable in the coordinator group's
 * log, then has every group apply its writes and release its locks. Any failure before the decision
 * is proposed aborts (the transaction can then never commit); after it, the decision stands and
 * recovery finishes what this coordinator could not.
 */
import { randomUUID } from "node:crypto";
import type { WriteTransaction } from "../engine/index.js";
import { DynamoError } from "../errors.js";
import type { Item } from "../values/types.js";
import { type ItemWrite, tableIdentity } from "./commands.js";
import { ClusterBusyError, LockConflictError, WrongGroupError } from "./errors.js";
import { RecordingTransaction, type TouchedKey } from "./recording-transaction.js";
import { transactionConflict } from "./transaction-conflicts.js";
import type { TransactionCalls } from "./transaction-participant.js";

/** Rounds of locking at most, when the body reads a key the previous round did not lock. */
export const maxLockRounds = 3;

export interface CoordinateOptions<T> {
  body: (tx: WriteTransaction) => T;
  /** The keys a first run of the body touched (reads first, in order, then writes). */
  keys: readonly TouchedKey[];
  /** How many of `keys` are reads: a conflict on read i is reported at action i. */
  readCount: number;
  /** The group owning a hash, by this node's map (undefined: none known, the map is changing). */
  groupOf: (hash: number) => string | undefined;
  /** The coordinator's catalog index: every group waits for it before locking. */
  metaIndex: number;
  calls: TransactionCalls;
  conflictsAsCancellation: boolean;
}

/** The body read a key this round did not lock: lock it too and start again. */
class UnlockedReadError extends Error {
  readonly key: TouchedKey;

  constructor(key: TouchedKey) {
    super("the transaction read a key it had not locked");
    this.key = key;
  }
}

function groupOf(owner: (hash: number) => string | undefined, hash: number): string {
  const group = owner(hash);
  if (group === undefined) throw new WrongGroupError("the key's group");
  return group;
}

/** Runs `body` atomically across the groups of its keys; resolves with its result once committed everywhere. */
export async function coordinateTransaction<T>(options: CoordinateOptions<T>): Promise<T> {
  let keys = [...options.keys];
  for (let round = 1; ; round++) {
    try {
      return await coordinateRound(options, keys);
    } catch (error) {
      if (!(error instanceof UnlockedReadError) || round >= maxLockRounds) {
        if (error instanceof UnlockedReadError) {
          throw new ClusterBusyError("transaction", "its keys changed between locking rounds");
        }
        throw error;
      }
      keys = [...keys, error.key];
    }
  }
}

async function coordinateRound<T>(options: CoordinateOptions<T>, keys: readonly TouchedKey[]): Promise<T> {
  const { calls, metaIndex } = options;
  const txId = randomUUID();
  const positionsByGroup = new Map<string, number[]>();
  /** Item key → the group that locks it: its writes go to that group whatever the map says later. */
  const groupOfItemKey = new Map<string, string>();
  for (const [position, key] of keys.entries()) {
    const group = groupOf(options.groupOf, key.location.hash);
    groupOfItemKey.set(key.itemKey, group);
    const positions = positionsByGroup.get(group) ?? [];
    positions.push(position);
    positionsByGroup.set(group, positions);
  }
  const groups = [...positionsByGroup.keys()].sort();
  const coordinator = groups[0]!;
  const abortAll = async () => {
    await Promise.allSettled(
      groups.map((group) => calls.finish({ group, txId, outcome: "abort", metaIndex, writes: [] })),
    );
  };

  // Phase 1: lock and read every key, in every group at once.
  const locked = await Promise.allSettled(
    groups.map((group) =>
      calls.lock({
        group,
        txId,
        coordinator,
        metaIndex,
        keys: positionsByGroup.get(group)!.map((position) => {
          const { table, key } = keys[position]!;
          return { table: table.name, tableId: tableIdentity(table), key };
        }),
      }),
    ),
  );
  const items = new Map<string, Item | undefined>();
  const conflicts: number[] = [];
  let failure: unknown;
  for (const [index, outcome] of locked.entries()) {
    const positions = positionsByGroup.get(groups[index]!)!;
    if (outcome.status === "fulfilled") {
      for (const [offset, item] of outcome.value.items.entries()) {
        items.set(keys[positions[offset]!]!.itemKey, item ?? undefined);
      }
    } else if (outcome.reason instanceof LockConflictError) {
      for (const offset of outcome.reason.positions) conflicts.push(positions[offset]!);
    } else {
      failure ??= outcome.reason;
    }
  }
  if (conflicts.length > 0 || failure !== undefined) {
    await abortAll();
    const readConflicts = conflicts.filter((position) => position < options.readCount);
    if (conflicts.length > 0) {
      throw transactionConflict(readConflicts, options.readCount, options.conflictsAsCancellation);
    }
    if (failure instanceof DynamoError) throw failure;
    // Nothing was decided, so the transaction never commits: the router may send it again.
    throw new ClusterBusyError("transaction", `a group could not lock its keys (${String(failure)})`);
  }

  // Phase 2: decide against the locked items.
  const tx = new RecordingTransaction((location) => {
    const itemKey = location.key.toString("latin1");
    if (!items.has(itemKey)) throw new UnlockedReadError(touchedAt(tx, itemKey));
    return items.get(itemKey);
  });
  let result: T;
  let writes: ReturnType<RecordingTransaction["close"]>;
  try {
    result = options.body(tx);
    writes = tx.close();
    const unlocked = writes.find((write) => !items.has(write.location.key.toString("latin1")));
    if (unlocked) {
      const itemKey = unlocked.location.key.toString("latin1");
      const key = unlocked.item ?? tx.deletedKeys.get(itemKey)!;
      throw new UnlockedReadError({ table: unlocked.table, key, location: unlocked.location, itemKey });
    }
  } catch (error) {
    await abortAll();
    throw error;
  }
  if (writes.length === 0) {
    await abortAll();
    return result;
  }
  const writesByGroup: Record<string, ItemWrite[]> = {};
  for (const write of writes) {
    const itemKey = write.location.key.toString("latin1");
    const identity = { table: write.table.name, tableId: tableIdentity(write.table) };
    const itemWrite: ItemWrite = write.item
      ? { ...identity, item: write.item }
      : { ...identity, key: tx.deletedKeys.get(itemKey)! };
    const group = groupOfItemKey.get(itemKey)!;
    writesByGroup[group] = [...(writesByGroup[group] ?? []), itemWrite];
  }

  // Phase 3: the decision, durable in the coordinator group's log; the first decision recorded wins.
  let outcome: string;
  try {
    const decision = await calls.decide({
      group: coordinator,
      txId,
      outcome: "commit",
      metaIndex,
      writes: writesByGroup,
    });
    outcome = decision.outcome;
  } catch {
    // The locks stay; the groups' recovery learns the decision (or records an abort) later.
    throw outcomeUnknown();
  }
  if (outcome !== "commit") {
    await abortAll();
    throw transactionConflict(
      Array.from({ length: options.readCount }, (_, position) => position),
      options.readCount,
      options.conflictsAsCancellation,
    );
  }

  // Phase 4: every group applies its writes and releases its locks.
  const finished = await Promise.allSettled(
    groups.map((group) =>
      calls.finish({ group, txId, outcome: "commit", metaIndex, writes: writesByGroup[group] ?? [] }),
    ),
  );
  if (finished.some((settled) => settled.status === "rejected")) throw outcomeUnknown();
  calls.forget({ group: coordinator, txId }).catch(() => undefined);
  return result;
}

function touchedAt(tx: RecordingTransaction, itemKey: string): TouchedKey {
  const key = tx.reads.get(itemKey);
  if (!key) throw new Error("a read without its key");
  return key;
}

function outcomeUnknown(): DynamoError {
  return new DynamoError(
    "InternalServerError",
    "The transaction's outcome is not known yet: it will be applied everywhere or nowhere.",
    500,
  );
}
