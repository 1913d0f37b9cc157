/**
 * The two state machines a storage node replicates into its local `StorageEngine`: the catalog (the
 * metadata group: CreateTable, UpdateTable, DeleteTable) and the items of one partition group (a hash
 * range of every table). Both replay commands the leader already decided, so applying is
 * deterministic; both snapshot from the engine's own data for log compaction and catch-up.
 */
import { locateItem, type StorageEngine, type TableRecord } from "../engine/index.js";
import { DynamoError, resourceNotFound } from "../errors.js";
import type { Entry, RaftStorageState } from "../replication/index.js";
import type { Item } from "../values/types.js";
import {
  decodeCommand,
  type ItemWrite,
  type MetaCommand,
  type PartitionCommand,
  tableIdentity,
} from "./commands.js";
import { LockConflictError } from "./errors.js";
import { RecentChanges } from "./recent-changes.js";
import type { ApplyResult, GroupStateMachine } from "./replica.js";
import { TransactionTable, type TransactionTableData } from "./transaction-table.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface CatalogSnapshot {
  tables: { name: string; keySchema: TableRecord["keySchema"]; definition: unknown }[];
}

interface PartitionSnapshot {
  /** The catalog a replica must have applied before installing (the tables the items belong to). */
  metaIndex: number;
  tables: { name: string; tableId: string; items: Item[] }[];
  /** The group's transaction locks and decisions (absent in snapshots of older versions). */
  transactions?: TransactionTableData;
}

/** The metadata group: table commands applied to the engine's catalog, one after the other. */
export class CatalogStateMachine implements GroupStateMachine {
  readonly #engine: StorageEngine;

  constructor(engine: StorageEngine) {
    this.#engine = engine;
  }

  async apply(entries: readonly Entry[]): Promise<Map<number, ApplyResult>> {
    const results = new Map<number, ApplyResult>();
    for (const entry of entries) {
      if (entry.kind !== "command") continue;
      const command = decodeCommand(entry.data) as MetaCommand;
      try {
        results.set(entry.index, { ok: true, value: await this.#applyOne(command) });
      } catch (error) {
        // Deterministic refusals (the name is taken, the table is gone) are results, not faults.
        if (!(error instanceof DynamoError)) throw error;
        results.set(entry.index, { ok: false, error });
      }
    }
    return results;
  }

  async #applyOne(command: MetaCommand): Promise<TableRecord> {
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
    return encoder.encode(JSON.stringify({ tables } satisfies CatalogSnapshot));
  }

  async install(data: Uint8Array): Promise<void> {
    const { tables } = JSON.parse(decoder.decode(data)) as CatalogSnapshot;
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
  }
}

export interface PartitionStateMachineOptions {
  engine: StorageEngine;
  /** This group's position among the cluster's `partitions` equal hash ranges. */
  partitionIndex: number;
  partitions: number;
  /** The metadata group's applied index, and a wait for it to reach an index. */
  metaAppliedIndex: () => number;
  waitForMeta: (index: number) => Promise<void>;
}

/**
 * One partition group: item images written into the engine, a whole `Ready` in one transaction, and
 * the group's transaction table (locks and decisions), which changes only once the items of the same
 * entries are written, so that no reader sees a lock released before its writes.
 */
export class PartitionStateMachine implements GroupStateMachine {
  readonly #options: PartitionStateMachineOptions;
  #transactions = new TransactionTable();
  #recentChanges = new RecentChanges(0);

  constructor(options: PartitionStateMachineOptions) {
    this.#options = options;
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
   * Rebuilds the transaction table after a restart: the engine's items are durable, the table is not,
   * so it is the snapshot's table replayed with the entries the engine already applied.
   */
  restore(state: RaftStorageState): void {
    const data = state.snapshot?.data;
    const snapshot =
      data && data.length > 0 ? (JSON.parse(decoder.decode(data)) as PartitionSnapshot) : undefined;
    const table = TransactionTable.from(snapshot?.transactions);
    const appliedIndex = state.appliedIndex ?? state.snapshot?.index ?? 0;
    for (const entry of state.entries ?? []) {
      if (entry.index > appliedIndex) break;
      if (entry.kind !== "command") continue;
      const command = decodeCommand(entry.data) as PartitionCommand;
      if (command.kind !== "write") table.apply(command);
    }
    this.#transactions = table;
    this.#recentChanges = new RecentChanges(appliedIndex);
  }

  async apply(entries: readonly Entry[]): Promise<Map<number, ApplyResult>> {
    const results = new Map<number, ApplyResult>();
    const writes: { index: number; write: ItemWrite }[] = [];
    const locked: { index: number; itemKeys: string[] }[] = [];
    let metaIndex = 0;
    let staged: TransactionTable | undefined;
    for (const entry of entries) {
      if (entry.kind !== "command") continue;
      const command = decodeCommand(entry.data) as PartitionCommand;
      if (command.kind === "write") {
        metaIndex = Math.max(metaIndex, command.metaIndex);
        for (const write of command.writes) writes.push({ index: entry.index, write });
        continue;
      }
      staged ??= this.#transactions.clone();
      const effect = staged.apply(command);
      if (command.kind === "lock") {
        if (effect.kind === "conflict") {
          const error = new LockConflictError(`p${this.#options.partitionIndex}`, []);
          results.set(entry.index, { ok: false, error });
        } else {
          locked.push({ index: entry.index, itemKeys: command.itemKeys });
        }
      } else if (effect.kind === "decision") {
        results.set(entry.index, { ok: true, value: effect.decision });
      } else if (effect.kind === "writes" && command.kind === "finish") {
        metaIndex = Math.max(metaIndex, command.metaIndex);
        for (const write of effect.writes) writes.push({ index: entry.index, write });
      }
    }
    if (writes.length > 0) await this.#options.waitForMeta(metaIndex);
    const engine = this.#options.engine;
    const changed: { index: number; itemKey: string }[] = [];
    if (writes.length > 0) {
      await engine.transact((tx) => {
        for (const { index, write } of writes) {
          // A table deleted after the write was decided: its items are being purged anyway.
          const table = engine.getTable(write.table);
          if (!table || tableIdentity(table) !== write.tableId) continue;
          const keyOrItem = write.item ?? write.key;
          if (!keyOrItem) continue;
          changed.push({ index, itemKey: locateItem(table, keyOrItem).key.toString("latin1") });
          if (write.item) tx.put(table, write.item);
          else tx.delete(table, keyOrItem);
        }
      });
    }
    if (staged) this.#transactions = staged;
    for (const { index, itemKeys } of locked) {
      for (const itemKey of itemKeys) this.#recentChanges.record(itemKey, index);
    }
    for (const { index, itemKey } of changed) this.#recentChanges.record(itemKey, index);
    return results;
  }

  snapshot(): Uint8Array {
    const { engine, partitionIndex, partitions, metaAppliedIndex } = this.#options;
    const tables = engine.listTableNames().map((name) => {
      const table = engine.getTable(name)!;
      const items = [...engine.scan(table, { segment: partitionIndex, totalSegments: partitions })];
      return { name, tableId: tableIdentity(table), items };
    });
    const transactions = this.#transactions.toData();
    return encoder.encode(
      JSON.stringify({ metaIndex: metaAppliedIndex(), tables, transactions } satisfies PartitionSnapshot),
    );
  }

  async install(data: Uint8Array, index: number): Promise<void> {
    const { engine, partitionIndex, partitions, waitForMeta } = this.#options;
    const snapshot = JSON.parse(decoder.decode(data)) as PartitionSnapshot;
    await waitForMeta(snapshot.metaIndex);
    const incoming = new Map(snapshot.tables.map((table) => [table.name, table]));
    await engine.transact((tx) => {
      for (const name of engine.listTableNames()) {
        const table = engine.getTable(name)!;
        for (const item of engine.scan(table, { segment: partitionIndex, totalSegments: partitions })) {
          tx.delete(table, item);
        }
        const source = incoming.get(name);
        if (!source || source.tableId !== tableIdentity(table)) continue;
        for (const item of source.items) tx.put(table, item);
      }
    });
    this.#transactions = TransactionTable.from(snapshot.transactions);
    this.#recentChanges.forgetThrough(index);
  }
}
