/**
 * A storage node's `ItemStore`: what the DynamoDB operations run against on a node of the cluster.
 * Reads come from the node's local engine (the caller first waits for a read index when the request
 * asks for consistency). Table changes are proposed to the metadata group. Item writes are decided
 * here, on the partition's leader, against its applied state plus its pending writes, and proposed
 * as one command of final images; the promise resolves once the command is applied in the same term.
 */
import {
  type ItemStore,
  keyAttributesOf,
  locateItem,
  type StorageEngine,
  type TableRecord,
  WriteTransaction,
} from "../engine/index.js";
import { resourceNotFound, validationError } from "../errors.js";
import type { Item } from "../values/types.js";
import { encodeCommand, type ItemWrite, tableIdentity } from "./commands.js";
import { partitionIndexOf } from "./partition-groups.js";
import type { Replica } from "./replica.js";

/** WriteTransaction keeps no key attributes for a delete; a command needs them to replay it elsewhere. */
class RecordingTransaction extends WriteTransaction {
  readonly deletedKeys = new Map<string, Item>();

  override delete(table: TableRecord, key: Item): void {
    super.delete(table, key);
    this.deletedKeys.set(locateItem(table, key).key.toString("latin1"), keyAttributesOf(table, key));
  }
}

export interface ReplicatedStoreOptions {
  engine: StorageEngine;
  meta: Replica;
  partitions: readonly Replica[];
}

export class ReplicatedStore implements ItemStore {
  readonly #engine: StorageEngine;
  readonly #meta: Replica;
  readonly #partitions: readonly Replica[];

  constructor(options: ReplicatedStoreOptions) {
    this.#engine = options.engine;
    this.#meta = options.meta;
    this.#partitions = options.partitions;
  }

  getTable(name: string): TableRecord | undefined {
    return this.#engine.getTable(name);
  }

  listTableNames(): string[] {
    return this.#engine.listTableNames();
  }

  tableStats(name: string) {
    return this.#engine.tableStats(name);
  }

  getItem(table: TableRecord, key: Item): Item | undefined {
    return this.#engine.getItem(table, key);
  }

  query(...args: Parameters<StorageEngine["query"]>) {
    return this.#engine.query(...args);
  }

  scan(...args: Parameters<StorageEngine["scan"]>) {
    return this.#engine.scan(...args);
  }

  async createTable(input: Parameters<StorageEngine["createTable"]>[0]): Promise<TableRecord> {
    const command = encodeCommand({ kind: "createTable", ...input });
    return (await this.#meta.propose(command)) as TableRecord;
  }

  async updateTableDefinition(name: string, definition: unknown): Promise<TableRecord> {
    const table = this.#liveTable(name);
    const command = encodeCommand({ kind: "updateTable", name, tableId: tableIdentity(table), definition });
    return (await this.#meta.propose(command)) as TableRecord;
  }

  async deleteTable(name: string): Promise<TableRecord> {
    const table = this.#liveTable(name);
    const command = encodeCommand({ kind: "deleteTable", name, tableId: tableIdentity(table) });
    return (await this.#meta.propose(command)) as TableRecord;
  }

  /**
   * Decides `body` on the leader of the one partition group it touches. A body that fails (a
   * condition does not hold) or writes nothing is answered only after a read index confirms that this
   * node still led when it decided, so that no deposed leader answers from a stale state.
   */
  async transact<T>(body: (tx: WriteTransaction) => T): Promise<T> {
    const partitions = this.#partitions.length;
    const touched = new Set<number>();
    const tx = new RecordingTransaction((location) => {
      const index = partitionIndexOf(location.hash, partitions);
      touched.add(index);
      const pending = this.#partitions[index]!.pendingImage(location.key.toString("latin1"));
      return pending ? pending.item : this.#engine.getItemAt(location);
    });
    let result: T | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = body(tx);
    } catch (error) {
      failure = error;
      failed = true;
    }
    const writes = failed ? [] : tx.close();
    for (const write of writes) touched.add(partitionIndexOf(write.location.hash, partitions));
    if (touched.size > 1) {
      throw validationError(
        "This store is replicated in several partition groups, and a transaction across partition groups is not supported yet: keep a TransactWriteItems call to items of one partition group.",
      );
    }
    const [index] = touched;
    if (index === undefined) {
      if (failed) throw failure;
      return result as T;
    }
    const replica = this.#partitions[index]!;
    replica.assertWriteReady();
    if (failed || writes.length === 0) {
      await replica.readIndex();
      if (failed) throw failure;
      return result as T;
    }
    const images = new Map<string, Item | undefined>();
    const itemWrites: ItemWrite[] = writes.map((write) => {
      const itemKey = write.location.key.toString("latin1");
      images.set(itemKey, write.item);
      const identity = { table: write.table.name, tableId: tableIdentity(write.table) };
      if (write.item) return { ...identity, item: write.item };
      const key = tx.deletedKeys.get(itemKey);
      if (!key) throw new Error("a buffered delete without its key attributes");
      return { ...identity, key };
    });
    await replica.propose(
      encodeCommand({ kind: "write", metaIndex: this.#meta.appliedIndex, writes: itemWrites }),
      images,
    );
    return result as T;
  }

  #liveTable(name: string): TableRecord {
    const table = this.#engine.getTable(name);
    if (!table) throw resourceNotFound(`Requested resource not found: Table: ${name} not found`);
    return table;
  }
}
