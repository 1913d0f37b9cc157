/**
 * A storage node's `ItemStore`: what the DynamoDB operations run against on a node of the cluster.
 * Reads come from the node's local engine (the caller first waits for a read index when the request
 * asks for consistency). Table changes are proposed to the metadata group. Item writes are decided
 * here, on the partition's leader, against its applied state plus its pending writes, and proposed
 * as one command of final images; the promise resolves once the command is applied in the same term.
 * A transaction whose items fall in several groups is coordinated across them from here, whichever
 * groups this node leads (`transaction-coordinator.ts`).
 */
import type { ItemStore, StorageEngine, TableRecord, WriteTransaction } from "../engine/index.js";
import { resourceNotFound } from "../errors.js";
import type { Item } from "../values/types.js";
import { encodeCommand, type ItemWrite, tableIdentity } from "./commands.js";
import { WrongGroupError } from "./errors.js";
import type { HostedGroup, HostedGroups } from "./hosted-groups.js";
import { RecordingTransaction, type TouchedKey } from "./recording-transaction.js";
import type { Replica } from "./replica.js";
import { transactionConflict } from "./transaction-conflicts.js";
import { coordinateTransaction } from "./transaction-coordinator.js";
import type { TransactionCalls, TransactionParticipant } from "./transaction-participant.js";

export interface ReplicatedStoreOptions {
  engine: StorageEngine;
  meta: Replica;
  /** The item groups this node hosts. */
  groups: HostedGroups;
  /** This node's side of cross-group transactions: the locks each group holds. */
  participant: TransactionParticipant;
  /** The calls a coordinator makes on group leaders. */
  calls: TransactionCalls;
  /**
   * Whether a write that meets another transaction's lock is refused as TransactWriteItems refuses it
   * (TransactionCanceledException, a reason per item read) rather than with TransactionConflictException.
   * Default false.
   */
  conflictsAsCancellation?: boolean;
}

export class ReplicatedStore implements ItemStore {
  readonly #engine: StorageEngine;
  readonly #meta: Replica;
  readonly #groups: HostedGroups;
  readonly #participant: TransactionParticipant;
  readonly #calls: TransactionCalls;
  readonly #conflictsAsCancellation: boolean;

  constructor(options: ReplicatedStoreOptions) {
    this.#engine = options.engine;
    this.#meta = options.meta;
    this.#groups = options.groups;
    this.#participant = options.participant;
    this.#calls = options.calls;
    this.#conflictsAsCancellation = options.conflictsAsCancellation ?? false;
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

  getItemJson(table: TableRecord, key: Item): string | undefined {
    return this.#engine.getItemJson(table, key);
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
   * Decides `body` on the leader of the one partition group it touches, or, when it touches several,
   * coordinates it across them (`coordinateTransaction`). A body that meets a key another transaction
   * locked is refused. A body that fails (a condition does not hold) or writes nothing is answered
   * only after a read index confirms that this node still led when it decided, so that no deposed
   * leader answers from a stale state.
   */
  async transact<T>(body: (tx: WriteTransaction) => T): Promise<T> {
    const tx = new RecordingTransaction((location) => {
      const pending = this.#owner(location.hash).replica.pendingImage(location.key.toString("latin1"));
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
    const touched: TouchedKey[] = [...tx.reads.values()];
    for (const write of writes) {
      const itemKey = write.location.key.toString("latin1");
      if (tx.reads.has(itemKey)) continue;
      const key = write.item ?? tx.deletedKeys.get(itemKey)!;
      touched.push({ table: write.table, key, location: write.location, itemKey });
    }
    const groups = new Set(touched.map((key) => this.#owner(key.location.hash).record.name));
    if (groups.size > 1) {
      return coordinateTransaction({
        body,
        keys: touched,
        readCount: tx.reads.size,
        groupOf: (hash) => this.#groups.ownerOf(hash)?.record.name,
        metaIndex: this.#meta.appliedIndex,
        calls: this.#calls,
        conflictsAsCancellation: this.#conflictsAsCancellation,
      });
    }
    const [group] = groups;
    if (group === undefined) {
      if (failed) throw failure;
      return result as T;
    }
    const replica = this.#groups.get(group)!.replica;
    replica.assertWriteReady();
    const locked = touched.flatMap((key, position) =>
      this.#participant.lockHolder(group, key.itemKey) === undefined ? [] : [position],
    );
    if (locked.length > 0) {
      throw transactionConflict(
        locked.filter((position) => position < tx.reads.size),
        tx.reads.size,
        this.#conflictsAsCancellation,
      );
    }
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

  /** The hosted group owning `hash`; none only while this node's map has a gap, which the router retries. */
  #owner(hash: number): HostedGroup {
    const owner = this.#groups.ownerOf(hash);
    if (!owner) throw new WrongGroupError("the key's group");
    return owner;
  }

  #liveTable(name: string): TableRecord {
    const table = this.#engine.getTable(name);
    if (!table) throw resourceNotFound(`Requested resource not found: Table: ${name} not found`);
    return table;
  }
}
