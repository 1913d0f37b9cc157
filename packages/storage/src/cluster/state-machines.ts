/**
 * The two state machines a storage node replicates into its local `StorageEngine`: the catalog (the
 * metadata group: CreateTable, UpdateTable, DeleteTable) and the items of one partition group (a hash
 * range of every table). Both replay commands the leader already decided, so applying is
 * deterministic; both snapshot from the engine's own data for log compaction and catch-up.
 */
import type { StorageEngine, TableRecord } from "../engine/index.js";
import { DynamoError, resourceNotFound } from "../errors.js";
import type { Entry } from "../replication/index.js";
import type { Item } from "../values/types.js";
import { decodeCommand, type MetaCommand, tableIdentity, type WriteCommand } from "./commands.js";
import type { ApplyResult, GroupStateMachine } from "./replica.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface CatalogSnapshot {
  tables: { name: string; keySchema: TableRecord["keySchema"]; definition: unknown }[];
}

interface PartitionSnapshot {
  /** The catalog a replica must have applied before installing (the tables the items belong to). */
  metaIndex: number;
  tables: { name: string; tableId: string; items: Item[] }[];
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

/** One partition group: item images written into the engine, a whole `Ready` in one transaction. */
export class PartitionStateMachine implements GroupStateMachine {
  readonly #options: PartitionStateMachineOptions;

  constructor(options: PartitionStateMachineOptions) {
    this.#options = options;
  }

  async apply(entries: readonly Entry[]): Promise<Map<number, ApplyResult>> {
    const commands: WriteCommand[] = [];
    for (const entry of entries) {
      if (entry.kind === "command") commands.push(decodeCommand(entry.data) as WriteCommand);
    }
    const results = new Map<number, ApplyResult>();
    if (commands.length === 0) return results;
    await this.#options.waitForMeta(Math.max(...commands.map((command) => command.metaIndex)));
    const engine = this.#options.engine;
    await engine.transact((tx) => {
      for (const command of commands) {
        for (const write of command.writes) {
          // A table deleted after the write was decided: its items are being purged anyway.
          const table = engine.getTable(write.table);
          if (!table || tableIdentity(table) !== write.tableId) continue;
          if (write.item) tx.put(table, write.item);
          else if (write.key) tx.delete(table, write.key);
        }
      }
    });
    return results;
  }

  snapshot(): Uint8Array {
    const { engine, partitionIndex, partitions, metaAppliedIndex } = this.#options;
    const tables = engine.listTableNames().map((name) => {
      const table = engine.getTable(name)!;
      const items = [...engine.scan(table, { segment: partitionIndex, totalSegments: partitions })];
      return { name, tableId: tableIdentity(table), items };
    });
    return encoder.encode(
      JSON.stringify({ metaIndex: metaAppliedIndex(), tables } satisfies PartitionSnapshot),
    );
  }

  async install(data: Uint8Array): Promise<void> {
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
  }
}
