/**
 * The two state machines a storage node replicates into its local `StorageEngine`: the catalog (the
 * metadata group: CreateTable, UpdateTable, DeleteTable) and the items of one partition group (a hash
 * range of every table). Both replay commands the leader already decided, so applying is
 * deterministic; both snapshot from the engine's own data for log compaction and catch-up. The
 * catalog also holds the cluster's partition map (`group-map.ts`); a partition group holds its own
 * current hash range, which a `split` entry halves (see README.md, "Online splits").
 */
import { locateItem, type StorageEngine, type TableRecord } from "../engine/index.js";
import { DynamoError, resourceNotFound } from "../errors.js";
import type { HashRange } from "../partitions/index.js";
import type { Entry, RaftStorageState } from "../replication/index.js";
import type { Item } from "../values/types.js";
import {
  type Command,
  decodeCommand,
  type ItemWrite,
  type MetaCommand,
  type PartitionCommand,
  type RecordGroupsCommand,
  type SplitCommand,
  tableIdentity,
} from "./commands.js";
import { ClusterBusyError, LockConflictError, WrongGroupError } from "./errors.js";
import { type GroupRecord, mergeGroupRecords } from "./group-map.js";
import { RecentChanges } from "./recent-changes.js";
import type { ApplyResult, GroupStateMachine } from "./replica.js";
import { TransactionTable, type TransactionTableData } from "./transaction-table.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface CatalogSnapshot {
  tables: { name: string; keySchema: TableRecord["keySchema"]; definition: unknown }[];
  /** The partition map (absent in snapshots of older versions: the initial map). */
  groups?: GroupRecord[];
}

interface PartitionSnapshot {
  /** The catalog a replica must have applied before installing (the tables the items belong to). */
  metaIndex: number;
  /** The group's hash range when the snapshot was taken (absent in older versions: the initial range). */
  range?: HashRange;
  /** The groups split off this one, so that a replica learning of a split from here can start them. */
  children?: GroupRecord[];
  tables: { name: string; tableId: string; items: Item[] }[];
  /** The group's transaction locks and decisions (absent in snapshots of older versions). */
  transactions?: TransactionTableData;
}

/** The catalog's own commands: CreateTable, UpdateTable, DeleteTable. */
type TableCommand = Exclude<MetaCommand, RecordGroupsCommand>;

function parseCommands(entries: readonly Entry[]): { entry: Entry; command: Command }[] {
  return entries.flatMap((entry) =>
    entry.kind === "command" ? [{ entry, command: decodeCommand(entry.data) }] : [],
  );
}

/** The metadata group: table commands applied to the engine's catalog, one after the other. */
export class CatalogStateMachine implements GroupStateMachine {
  readonly #engine: StorageEngine;
  readonly #initialGroups: readonly GroupRecord[];
  #groups: readonly GroupRecord[];

  /** `initialGroups`: the map of a new cluster, before any split was recorded. */
  constructor(engine: StorageEngine, initialGroups: readonly GroupRecord[]) {
    this.#engine = engine;
    this.#initialGroups = initialGroups;
    this.#groups = initialGroups;
  }

  /** The partition map as of the last applied entry. */
  get groups(): readonly GroupRecord[] {
    return this.#groups;
  }

  /**
   * Rebuilds the partition map after a restart (the catalog's tables are durable in the engine, the
   * map lives in the log): the snapshot's map with the splits recorded in the entries applied since.
   */
  restore(state: RaftStorageState): void {
    const data = state.snapshot?.data;
    const snapshot =
      data && data.length > 0 ? (JSON.parse(decoder.decode(data)) as CatalogSnapshot) : undefined;
    let groups: readonly GroupRecord[] = snapshot?.groups ?? this.#initialGroups;
    const appliedIndex = state.appliedIndex ?? state.snapshot?.index ?? 0;
    const entries = (state.entries ?? []).filter((entry) => entry.index <= appliedIndex);
    for (const { command } of parseCommands(entries)) {
      if (command.kind === "recordGroups") groups = mergeGroupRecords(groups, command.groups);
    }
    this.#groups = groups;
  }

  async apply(entries: readonly Entry[]): Promise<Map<number, ApplyResult>> {
    const results = new Map<number, ApplyResult>();
    for (const { entry, command } of parseCommands(entries)) {
      if (command.kind === "recordGroups") {
        this.#groups = mergeGroupRecords(this.#groups, command.groups);
        results.set(entry.index, { ok: true, value: undefined });
        continue;
      }
      try {
        results.set(entry.index, { ok: true, value: await this.#applyOne(command as TableCommand) });
      } catch (error) {
        // Deterministic refusals (the name is taken, the table is gone) are results, not faults.
        if (!(error instanceof DynamoError)) throw error;
        results.set(entry.index, { ok: false, error });
      }
    }
    return results;
  }

  async #applyOne(command: TableCommand): Promise<TableRecord> {
    if (command.kind === "createTable") {
      return this.#engine.createTable({
        name: command.name,
        keySchema: command.keySchema,
        definition: command.definition,
      });
    }
    const table = this.#engine.getTable(command.name);
    if (!table || tableIdentity(table) !== command.tableId) {
      throw resourceNotFound(`Requested resource not found: Table: ${command.name} not found`);
    }
    if (command.kind === "updateTable")
      return this.#engine.updateTableDefinition(command.name, command.definition);
    return this.#engine.deleteTable(command.name);
  }

  snapshot(): Uint8Array {
    const tables = this.#engine.listTableNames().map((name) => {
      const table = this.#engine.getTable(name)!;
      return { name, keySchema: table.keySchema, definition: table.definition };
    });
    const groups = [...this.#groups];
    return encoder.encode(JSON.stringify({ tables, groups } satisfies CatalogSnapshot));
  }

  async install(data: Uint8Array): Promise<void> {
    const { tables, groups } = JSON.parse(decoder.decode(data)) as CatalogSnapshot;
    const wanted = new Map(tables.map((table) => [table.name, table]));
    for (const name of this.#engine.listTableNames()) {
      const local = this.#engine.getTable(name)!;
      const target = wanted.get(name);
      if (!target || tableIdentity(target) !== tableIdentity(local)) await this.#engine.deleteTable(name);
    }
    for (const target of tables) {
      const local = this.#engine.getTable(target.name);
      if (!local) await this.#engine.createTable(target);
      else if (JSON.stringify(local.definition) !== JSON.stringify(target.definition)) {
        await this.#engine.updateTableDefinition(target.name, target.definition);
      }
    }
    this.#groups = groups ?? this.#initialGroups;
  }
}

export interface PartitionStateMachineOptions {
  engine: StorageEngine;
  /** The group's name, for errors. */
  group: string;
  /** The group's range when this node started it, before any split in its log or snapshot. */
  initialRange: HashRange;
  /** The metadata group's applied index, and a wait for it to reach an index. */
  metaAppliedIndex: () => number;
  waitForMeta: (index: number) => Promise<void>;
  /**
   * Called when a `split` entry is applied (at the same index on every replica), after every entry
   * before it and before any after it: must start the new group durably, from the items the engine
   * holds for its range, before it resolves.
   */
  onSplit: (child: GroupRecord, parent: PartitionStateMachine) => Promise<void>;
  /** Called when an installed snapshot names groups split off this one: starts those this node lacks, empty. */
  onChildrenLearned: (children: readonly GroupRecord[]) => Promise<void>;
}

/** The hash of an engine item key (latin1): it follows the table id, see `partitionKeyPrefix`. */
function hashOfItemKey(itemKey: string): number {
  return Buffer.from(itemKey.slice(4, 8), "latin1").readUInt32BE(0);
}

function inRange(range: HashRange, hash: number): boolean {
  return hash >= range.startHash && hash < range.endHash;
}

/** The group's replicated state besides the items: its range, its splits, its transaction table. */
interface GroupState {
  range: HashRange;
  children: GroupRecord[];
  transactions: TransactionTable;
}

/** Why a `split` entry is refused (the same on every replica), or undefined when it applies. */
function splitRefusal(range: HashRange, heldLocks: number, command: SplitCommand): string | undefined {
  if (range.startHash !== command.startHash || range.endHash !== command.endHash) {
    return "the group's range changed since the split was proposed";
  }
  if (heldLocks > 0) return "the group holds transaction locks";
  if (command.midHash <= command.startHash || command.midHash >= command.endHash) {
    return "the midpoint is outside the range";
  }
  return undefined;
}

/** A lock entry naming a key outside the group's range is refused (the coordinator tries again). */
function lockOutOfRange(range: HashRange, command: PartitionCommand): boolean {
  return command.kind === "lock" && command.itemKeys.some((key) => !inRange(range, hashOfItemKey(key)));
}

/**
 * One partition group: item images written into the engine, a whole `Ready` in one transaction, and
 * the group's transaction table (locks and decisions), which changes only once the items of the same
 * entries are written, so that no reader sees a lock released before its writes. The group owns the
 * hashes of its range: a write or a lock outside it is refused at apply time, the same way on every
 * replica, and a `split` entry hands the upper half to a new group.
 */
export class PartitionStateMachine implements GroupStateMachine {
  readonly #options: PartitionStateMachineOptions;
  #transactions = new TransactionTable();
  #recentChanges = new RecentChanges(0);
  #range: HashRange;
  #children: GroupRecord[] = [];

  constructor(options: PartitionStateMachineOptions) {
    this.#options = options;
    this.#range = { ...options.initialRange };
  }

  get group(): string {
    return this.#options.group;
  }

  /** The hashes this group owns as of its last applied entry. */
  get range(): HashRange {
    return this.#range;
  }

  /** The groups split off this one, oldest first. */
  get children(): readonly GroupRecord[] {
    return this.#children;
  }

  /** The group's applied locks and decisions. */
  get transactions(): TransactionTable {
    return this.#transactions;
  }

  /** Whether `itemKey` may have been written or locked after log index `index` (see `RecentChanges`). */
  mayHaveChangedAfter(itemKey: string, index: number): boolean {
    return this.#recentChanges.mayHaveChangedAfter(itemKey, index);
  }

  /**
   * Rebuilds the transaction table, the range and the splits after a restart: the engine's items are
   * durable, the rest is not, so it is the snapshot's state replayed with the entries the engine
   * already applied.
   */
  restore(state: RaftStorageState): void {
    const data = state.snapshot?.data;
    const snapshot =
      data && data.length > 0 ? (JSON.parse(decoder.decode(data)) as PartitionSnapshot) : undefined;
    const group: GroupState = {
      range: snapshot?.range ?? { ...this.#options.initialRange },
      children: snapshot?.children ?? [],
      transactions: TransactionTable.from(snapshot?.transactions),
    };
    const appliedIndex = state.appliedIndex ?? state.snapshot?.index ?? 0;
    const entries = (state.entries ?? []).filter((entry) => entry.index <= appliedIndex);
    for (const { command } of parseCommands(entries) as { command: PartitionCommand }[]) {
      if (command.kind === "write") continue;
      if (command.kind === "split") {
        if (splitRefusal(group.range, group.transactions.lockCount, command) !== undefined) continue;
        group.range = { startHash: command.startHash, endHash: command.midHash };
        group.children.push(childOf(command));
        continue;
      }
      if (!lockOutOfRange(group.range, command)) group.transactions.apply(command);
    }
    this.#range = group.range;
    this.#children = group.children;
    this.#transactions = group.transactions;
    this.#recentChanges = new RecentChanges(appliedIndex);
  }

  /**
   * Applies `entries`, each run of them between splits in one engine transaction that also records the
   * index it reaches (`AppliedMark`); the commits are not flushed (see `flush`), so after a crash the
   * node resumes from exactly what the engine holds. Even a run without item writes records its index,
   * so that the engine's mark, not the Raft store's, is always the replay point.
   */
  async apply(entries: readonly Entry[]): Promise<Map<number, ApplyResult>> {
    const results = new Map<number, ApplyResult>();
    let batch: { entry: Entry; command: PartitionCommand }[] = [];
    for (const parsed of parseCommands(entries) as { entry: Entry; command: PartitionCommand }[]) {
      if (parsed.command.kind !== "split") {
        batch.push(parsed);
        continue;
      }
      // Everything before the split is applied with the old range, everything after with the new one.
      await this.#applyBatch(batch, results, parsed.entry.index - 1);
      batch = [];
      await this.#applySplit(parsed.entry.index, parsed.command, results);
    }
    const last = entries.at(-1);
    if (last) await this.#applyBatch(batch, results, last.index);
    return results;
  }

  /** Makes everything applied so far durable; the log may then be compacted up to it. */
  async flush(): Promise<void> {
    await this.#options.engine.flush();
  }

  async #applySplit(index: number, command: SplitCommand, results: Map<number, ApplyResult>): Promise<void> {
    const refusal = splitRefusal(this.#range, this.#transactions.lockCount, command);
    if (refusal !== undefined) {
      results.set(index, { ok: false, error: new ClusterBusyError(this.group, `split refused: ${refusal}`) });
      return;
    }
    const child = childOf(command);
    // The new group starts from the engine's items at the split: they (and the mark just before the
    // split) must be on disk before its start is, or a machine crash could replay older writes of the
    // parent over the new group's.
    await this.#options.engine.flush();
    await this.#options.onSplit(child, this);
    this.#range = { startHash: command.startHash, endHash: command.midHash };
    this.#children = [...this.#children, child];
    results.set(index, { ok: true, value: child });
  }

  async #applyBatch(
    parsed: readonly { entry: Entry; command: PartitionCommand }[],
    results: Map<number, ApplyResult>,
    appliedThrough: number,
  ): Promise<void> {
    const mark = { group: this.group, index: appliedThrough };
    if (parsed.length === 0) {
      if (appliedThrough > 0) await this.#options.engine.transact(() => undefined, mark);
      return;
    }
    const writes: { index: number; write: ItemWrite; checked: boolean }[] = [];
    const locked: { index: number; itemKeys: string[] }[] = [];
    let metaIndex = 0;
    let staged: TransactionTable | undefined;
    for (const { entry, command } of parsed) {
      if (command.kind === "split") continue;
      if (command.kind === "write") {
        metaIndex = Math.max(metaIndex, command.metaIndex);
        for (const write of command.writes) writes.push({ index: entry.index, write, checked: true });
        continue;
      }
      if (lockOutOfRange(this.#range, command)) {
        results.set(entry.index, { ok: false, error: new WrongGroupError(this.group) });
        continue;
      }
      staged ??= this.#transactions.clone();
      const effect = staged.apply(command);
      if (command.kind === "lock") {
        if (effect.kind === "conflict") {
          const error = new LockConflictError(this.group, []);
          results.set(entry.index, { ok: false, error });
        } else {
          locked.push({ index: entry.index, itemKeys: command.itemKeys });
        }
      } else if (effect.kind === "decision") {
        results.set(entry.index, { ok: true, value: effect.decision });
      } else if (effect.kind === "writes" && command.kind === "finish") {
        metaIndex = Math.max(metaIndex, command.metaIndex);
        // A finish writes keys its lock held, so inside the range: the lock entry was checked.
        for (const write of effect.writes) writes.push({ index: entry.index, write, checked: false });
      }
    }
    if (writes.length > 0) await this.#options.waitForMeta(metaIndex);
    const engine = this.#options.engine;
    const located = writes.flatMap(({ index, write, checked }) => {
      // A table deleted after the write was decided: its items are being purged anyway.
      const table = engine.getTable(write.table);
      const keyOrItem = write.item ?? write.key;
      if (!table || tableIdentity(table) !== write.tableId || !keyOrItem) return [];
      return [{ index, write, checked, table, keyOrItem, location: locateItem(table, keyOrItem) }];
    });
    // A write decided by a leader that had not yet applied the split is refused whole, on every replica.
    const refused = new Set(
      located
        .filter((write) => write.checked && !inRange(this.#range, write.location.hash))
        .map((w) => w.index),
    );
    for (const index of refused) results.set(index, { ok: false, error: new WrongGroupError(this.group) });
    const changed: { index: number; itemKey: string }[] = [];
    const applied = located.filter((write) => !refused.has(write.index));
    await engine.transact((tx) => {
      for (const { index, write, table, keyOrItem, location } of applied) {
        changed.push({ index, itemKey: location.key.toString("latin1") });
        if (write.item) tx.put(table, write.item);
        else tx.delete(table, keyOrItem);
      }
    }, mark);
    if (staged) this.#transactions = staged;
    for (const { index, itemKeys } of locked) {
      for (const itemKey of itemKeys) this.#recentChanges.record(itemKey, index);
    }
    for (const { index, itemKey } of changed) this.#recentChanges.record(itemKey, index);
  }

  snapshot(): Uint8Array {
    const { engine, metaAppliedIndex } = this.#options;
    const tables = engine.listTableNames().map((name) => {
      const table = engine.getTable(name)!;
      const items = [...engine.scan(table, { hashRange: this.#range })];
      return { name, tableId: tableIdentity(table), items };
    });
    const snapshot: PartitionSnapshot = {
      metaIndex: metaAppliedIndex(),
      range: this.#range,
      children: this.#children,
      tables,
      transactions: this.#transactions.toData(),
    };
    return encoder.encode(JSON.stringify(snapshot));
  }

  /**
   * The first snapshot of a group split off this one: no lock or decision (the split waited for none),
   * but the transactions this group finished, so that a late lock of one is refused there too.
   */
  childTransactions(): TransactionTableData {
    return { locks: [], decisions: [], finished: this.#transactions.toData().finished ?? [] };
  }

  /** Starts this (new) group's transaction table from `data`, as a snapshot would. */
  adoptTransactions(data: TransactionTableData): void {
    this.#transactions = TransactionTable.from(data);
  }

  /**
   * Replaces the group's state with a snapshot's: its range, its splits, and the items of that range
   * (whatever this node held there before, possibly stale data of a range it learned was split, goes).
   */
  async install(data: Uint8Array, index: number): Promise<void> {
    const { engine, waitForMeta } = this.#options;
    const snapshot = JSON.parse(decoder.decode(data)) as PartitionSnapshot;
    await waitForMeta(snapshot.metaIndex);
    const range = snapshot.range ?? { ...this.#options.initialRange };
    const incoming = new Map(snapshot.tables.map((table) => [table.name, table]));
    await engine.transact(
      (tx) => {
        for (const name of engine.listTableNames()) {
          const table = engine.getTable(name)!;
          for (const item of engine.scan(table, { hashRange: range })) tx.delete(table, item);
          const source = incoming.get(name);
          if (!source || source.tableId !== tableIdentity(table)) continue;
          for (const item of source.items) tx.put(table, item);
        }
      },
      { group: this.group, index },
    );
    // The Raft store already dropped the log this replaces: flush at once rather than leave a window
    // in which a machine crash could lose both.
    await engine.flush();
    this.#range = range;
    this.#children = snapshot.children ?? [];
    this.#transactions = TransactionTable.from(snapshot.transactions);
    this.#recentChanges.forgetThrough(index);
    await this.#options.onChildrenLearned(this.#children);
  }
}

function childOf(command: SplitCommand): GroupRecord {
  return {
    name: command.newGroup,
    startHash: command.midHash,
    endHash: command.endHash,
    replicas: [...command.replicas],
  };
}
