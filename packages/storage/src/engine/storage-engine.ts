/**
 * The durable, partitioned item store under the DynamoDB API: one LMDB environment per data
 * directory, holding the table catalog (with each table's partition map), the items ordered by
 * (table, partition key hash, partition key, sort key), every partition's counters and its bounded
 * change log. A write resolves only once its commit is on disk; concurrent writes share commits
 * (see group-commit.ts), which also store the partition counters once per commit.
 *
 * The engine neither evaluates expressions nor validates item contents — the API layer does — but it
 * asserts its own invariants: keys are complete and well typed, partition maps cover the hash space.
 */
import { mkdir } from "node:fs/promises";
import { type Database, open, type RootDatabase } from "lmdb";
import { DynamoError, resourceNotFound, validationError } from "../errors.js";
import {
  assertPartitionMap,
  createPartitionMap,
  type HashRange,
  hashKeyStart,
  hashSpaceSize,
  maxInitialPartitions,
  maxItemKeyBytes,
  maxTableId,
  type PartitionRecord,
  segmentHashRange,
  splitPartition,
  tableIdOfKey,
  tableKeyStart,
} from "../partitions/index.js";
import { itemSizeBytes } from "../values/size.js";
import type { AttributeValue, Item, KeyAttributeType } from "../values/types.js";
import { type ChangeRecord, emptyPartitionState, type PartitionState } from "./change-record.js";
import { GroupCommit } from "./group-commit.js";
import { type ItemLocation, locateItem, locatePartitionKey } from "./item-location.js";
import { PartitionCounters } from "./partition-counters.js";
import { type SortRange, sortKeyRange } from "./sort-range.js";
import { changeRecordKey, partitionStateKey } from "./store-keys.js";
import type { KeySchema, StorageStats, TableRecord } from "./table-record.js";
import { WriteApplier } from "./write-applier.js";
import { type BufferedWrite, WriteTransaction } from "./write-transaction.js";

export interface StorageEngineOptions {
  /** Directory of the LMDB environment (created when missing). */
  dataDir: string;
  /** Partitions a new table starts with. Default 4. */
  initialPartitionsPerTable?: number;
  /** Change records kept per partition; the oldest are trimmed as new ones arrive. Default 10000. */
  maxChangeRecordsPerPartition?: number;
  /**
   * Whether `transact` resolves only once its commit is flushed to disk. Default true. With false, it
   * resolves once committed (a process crash loses nothing: the commit is in the OS page cache; a
   * machine crash may roll the store back to an earlier commit, whole and consistent) and `flush()`
   * makes the commits durable. Only for a caller that can replay what a rollback loses, as a storage
   * node replays its Raft log from the index the engine recorded (`AppliedMark`). Table changes are
   * flushed either way.
   */
  flushItemWrites?: boolean;
}

/** The log position a `transact` applied, stored in its commit: after any crash, both or neither. */
export interface AppliedMark {
  /** Whose log (a replication group's name). */
  group: string;
  /** The last log index the commit reflects. */
  index: number;
}

export interface QueryOptions {
  /** Condition on the sort key; all of the partition key's items without it. */
  sort?: SortRange;
  /** Ascending sort key order when true (ScanIndexForward). */
  forward: boolean;
  /** Resume after this key (the previous page's LastEvaluatedKey). */
  exclusiveStartKey?: Item;
}

export interface ScanOptions {
  /** Parallel scan: this segment of `totalSegments`; both or neither. */
  segment?: number;
  totalSegments?: number;
  /** The items whose partition-key hash lies in this range (a partition group's); instead of a segment. */
  hashRange?: HashRange;
  exclusiveStartKey?: Item;
}

/** Counters of one partition, for DescribeTable, metrics and the console. */
export interface PartitionStats extends StorageStats {
  partition: PartitionRecord;
  /** Sequence of the partition's newest change record (0 before the first write). */
  lastSequence: number;
}

/** Raised when the engine is used after `close()`. */
export class StorageEngineClosedError extends Error {
  readonly code = "STORAGE_ENGINE_CLOSED";
  override readonly name = "StorageEngineClosedError";
  constructor() {
    super("the storage engine is closed");
  }
}

const defaultInitialPartitionsPerTable = 4;
const defaultMaxChangeRecordsPerPartition = 10_000;
/** Keys removed per transaction when purging a deleted table, so no purge holds the writer for long. */
const purgeBatchKeys = 1_000;
/** Most change records one `changes()` call returns. */
export const maxChangeRecordsPerRead = 1_000;
/** LMDB's key limit is 4026 bytes with 8 KiB pages (1978 with 4 KiB), and item keys reach `maxItemKeyBytes`. */
const pageSizeBytes = 8192;
const lmdbMaxKeyBytes = 4026;
const nextTableIdKey = "nextTableId";
/** Prefix of the `meta` keys holding each group's `AppliedMark` index. */
const appliedIndexKeyPrefix = "applied:";
/** Largest change sequence a key can hold exactly. */
const maxSequence = Number.MAX_SAFE_INTEGER;

if (maxItemKeyBytes > lmdbMaxKeyBytes) throw new Error("item keys could exceed LMDB's key size limit");

function isPromiseLike(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function tableNotFound(name: string): DynamoError {
  return resourceNotFound(`Requested resource not found: Table: ${name} not found`);
}

function assertKeySchema(keySchema: KeySchema): void {
  const types: readonly KeyAttributeType[] = ["S", "N", "B"];
  const attributes = [keySchema.partitionKey, keySchema.sortKey].filter(
    (attribute) => attribute !== undefined,
  );
  for (const { name, type } of attributes) {
    if (typeof name !== "string" || name === "" || !types.includes(type)) {
      throw validationError(`Invalid key schema attribute: ${JSON.stringify({ name, type })}`);
    }
  }
  if (keySchema.sortKey?.name === keySchema.partitionKey.name) {
    throw validationError("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
}

export class StorageEngine {
  readonly #root: RootDatabase;
  readonly #catalog: Database<TableRecord, string>;
  readonly #meta: Database<number, string>;
  readonly #items: Database<Item, Buffer>;
  readonly #partitionStates: Database<PartitionState, Buffer>;
  readonly #changes: Database<ChangeRecord, Buffer>;
  readonly #initialPartitionsPerTable: number;
  readonly #maxChangeRecordsPerPartition: number;
  readonly #tables = new Map<string, TableRecord>();
  readonly #tablesById = new Map<number, TableRecord>();
  /** Names being created, so that two concurrent CreateTable calls cannot both succeed. */
  readonly #creating = new Set<string>();
  /** Table purges running after DeleteTable answered; `close()` waits for them. */
  readonly #purges = new Set<Promise<void>>();
  readonly #counters: PartitionCounters;
  readonly #writeApplier: WriteApplier;
  readonly #groupCommit: GroupCommit;
  readonly #flushItemWrites: boolean;
  #nextTableId: number;
  #closed = false;

  private constructor(root: RootDatabase, options: StorageEngineOptions) {
    this.#root = root;
    this.#catalog = root.openDB<TableRecord, string>({ name: "catalog", encoding: "json" });
    this.#meta = root.openDB<number, string>({ name: "meta", encoding: "json" });
    this.#items = root.openDB<Item, Buffer>({ name: "items", keyEncoding: "binary", encoding: "json" });
    this.#partitionStates = root.openDB<PartitionState, Buffer>({
      name: "partitions",
      keyEncoding: "binary",
      encoding: "json",
    });
    this.#changes = root.openDB<ChangeRecord, Buffer>({
      name: "changes",
      keyEncoding: "binary",
      encoding: "json",
    });
    this.#initialPartitionsPerTable = options.initialPartitionsPerTable ?? defaultInitialPartitionsPerTable;
    this.#maxChangeRecordsPerPartition =
      options.maxChangeRecordsPerPartition ?? defaultMaxChangeRecordsPerPartition;
    if (!Number.isInteger(this.#maxChangeRecordsPerPartition) || this.#maxChangeRecordsPerPartition < 1) {
      throw new RangeError("maxChangeRecordsPerPartition must be a positive integer");
    }
    if (
      !Number.isInteger(this.#initialPartitionsPerTable) ||
      this.#initialPartitionsPerTable < 1 ||
      this.#initialPartitionsPerTable > maxInitialPartitions
    ) {
      throw new RangeError(`initialPartitionsPerTable must be an integer in [1, ${maxInitialPartitions}]`);
    }
    const partitionStates = this.#partitionStates;
    this.#counters = new PartitionCounters({
      read: (key) => partitionStates.get(key),
      write: (key, state) => partitionStates.put(key, state),
    });
    this.#writeApplier = new WriteApplier({
      items: this.#items,
      changes: this.#changes,
      counters: this.#counters,
      maxChangeRecordsPerPartition: this.#maxChangeRecordsPerPartition,
      liveTable: (table) => {
        const current = this.#tablesById.get(table.id);
        if (!current) throw tableNotFound(table.name);
        return current;
      },
    });
    const counters = this.#counters;
    this.#flushItemWrites = options.flushItemWrites ?? true;
    this.#groupCommit = new GroupCommit({
      runDurably: (work) => (this.#flushItemWrites ? this.#durably(work) : this.#committed(work)),
      afterSteps: () => counters.storeChanged(),
      onCommitFailure: () => counters.forgetAll(),
    });
    for (const { value: table } of this.#catalog.getRange()) {
      assertPartitionMap(table.partitions);
      this.#publish(table);
    }
    this.#nextTableId = this.#meta.get(nextTableIdKey) ?? 1;
  }

  /** Opens (or creates) the store in `options.dataDir` with all its tables. */
  static async open(options: StorageEngineOptions): Promise<StorageEngine> {
    await mkdir(options.dataDir, { recursive: true });
    // noSync only where the caller replays what a machine crash rolls back (`flushItemWrites`); never
    // noMetaSync. See #durably for when a commit counts as on disk. noSubdir is explicit because lmdb-js
    // guesses it from the path: a folder named like `tmp.x1Y2` would otherwise be taken for a database file.
    const root = open({
      path: options.dataDir,
      noSubdir: false,
      pageSize: pageSizeBytes,
      maxDbs: 8,
      noSync: options.flushItemWrites === false,
    });
    let engine: StorageEngine;
    try {
      engine = new StorageEngine(root, options);
    } catch (error) {
      await root.close();
      throw error;
    }
    await engine.#purgeOrphanedTables();
    return engine;
  }

  /** Waits for running purges and closes the store; the engine cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#purges);
    await this.#root.close();
  }

  /** Creates a table with `initialPartitionsPerTable` partitions; ResourceInUseException when the name is taken. */
  async createTable(input: {
    name: string;
    keySchema: KeySchema;
    definition: unknown;
  }): Promise<TableRecord> {
    this.#assertOpen();
    const { name, keySchema, definition } = input;
    if (this.#tables.has(name) || this.#creating.has(name)) {
      throw new DynamoError("ResourceInUseException", `Table already exists: ${name}`);
    }
    assertKeySchema(keySchema);
    if (this.#nextTableId > maxTableId) throw new RangeError("table ids exhausted");
    const id = this.#nextTableId++;
    const table: TableRecord = Object.freeze({
      name,
      id,
      keySchema: structuredClone(keySchema),
      createdAtMs: Date.now(),
      definition,
      partitions: Object.freeze(createPartitionMap(id, this.#initialPartitionsPerTable)),
    });
    this.#creating.add(name);
    try {
      await this.#durably(() => {
        this.#meta.put(nextTableIdKey, Math.max(id + 1, this.#meta.get(nextTableIdKey) ?? 1));
        this.#catalog.put(name, table);
        for (const partition of table.partitions) {
          this.#partitionStates.put(partitionStateKey(id, partition), emptyPartitionState());
        }
      });
    } finally {
      this.#creating.delete(name);
    }
    this.#publish(table);
    return table;
  }

  /** The table named `name`, from memory: cheap enough for every request. */
  getTable(name: string): TableRecord | undefined {
    return this.#tables.get(name);
  }

  /** All table names, sorted. */
  listTableNames(): string[] {
    return [...this.#tables.keys()].sort();
  }

  /**
   * Deletes a table. It disappears at once (later reads and writes get ResourceNotFoundException); its
   * items, counters and change records are purged in the background, and again at the next open if a
   * crash interrupts that.
   */
  async deleteTable(name: string): Promise<TableRecord> {
    this.#assertOpen();
    const table = this.#tables.get(name);
    if (!table) throw tableNotFound(name);
    this.#tables.delete(name);
    this.#tablesById.delete(table.id);
    await this.#durably(() => {
      this.#catalog.remove(name);
    });
    this.#startPurge(table.id);
    return table;
  }

  /** Replaces the API layer's description of a table. */
  async updateTableDefinition(name: string, definition: unknown): Promise<TableRecord> {
    return this.#updateTable(name, (table) => ({ ...table, definition }));
  }

  /**
   * Splits one partition of a table into two halves of its hash range. No item moves (item keys lead
   * with the hash); the halves' counters are recomputed and their change sequences continue the
   * parent's, so a reader of the parent can carry on from its last sequence in either half.
   */
  async splitPartition(name: string, partitionId: string): Promise<TableRecord> {
    return this.#updateTable(name, (table) => {
      const parent = table.partitions.find((partition) => partition.id === partitionId);
      if (!parent) throw resourceNotFound(`Partition not found: ${partitionId}`);
      const { partitions, lower, upper } = splitPartition(table.id, table.partitions, partitionId);
      this.#counters.forgetTable(table.id);
      const parentState = this.#partitionState(table.id, parent);
      const lowerStats = this.#countItems(table.id, lower);
      const continued = {
        firstSequence: parentState.lastSequence + 1,
        lastSequence: parentState.lastSequence,
      };
      this.#partitionStates.remove(partitionStateKey(table.id, parent));
      this.#partitionStates.put(partitionStateKey(table.id, lower), { ...lowerStats, ...continued });
      this.#partitionStates.put(partitionStateKey(table.id, upper), {
        itemCount: parentState.itemCount - lowerStats.itemCount,
        sizeBytes: parentState.sizeBytes - lowerStats.sizeBytes,
        ...continued,
      });
      return { ...table, partitions: Object.freeze(partitions) };
    });
  }

  /** Item count and size of a table (DescribeTable's ItemCount and TableSizeBytes). */
  tableStats(name: string): StorageStats {
    let itemCount = 0;
    let sizeBytes = 0;
    for (const stats of this.partitionStats(name)) {
      itemCount += stats.itemCount;
      sizeBytes += stats.sizeBytes;
    }
    return { itemCount, sizeBytes };
  }

  /** Counters of each partition of a table, in hash order. */
  partitionStats(name: string): PartitionStats[] {
    this.#assertOpen();
    const table = this.#tables.get(name);
    if (!table) throw tableNotFound(name);
    return table.partitions.map((partition) => {
      const { itemCount, sizeBytes, lastSequence } = this.#partitionState(table.id, partition);
      return { partition, itemCount, sizeBytes, lastSequence };
    });
  }

  /** The item with the key attributes of `key`, as of the latest commit. */
  getItem(table: TableRecord, key: Item): Item | undefined {
    const current = this.#liveTable(table);
    return this.#items.get(locateItem(current, key).key);
  }

  /**
   * `getItem`'s item as the JSON text the store keeps (`JSON.stringify` of the item), for a caller
   * that sends it on unchanged and so need not parse it.
   */
  getItemJson(table: TableRecord, key: Item): string | undefined {
    const current = this.#liveTable(table);
    // Outside a write transaction the applier's reader reads the latest commit, as `getItem` does.
    return this.#writeApplier.readJson(locateItem(current, key).key);
  }

  /** The item stored at `location`, as of the latest commit (for callers that located it already). */
  getItemAt(location: ItemLocation): Item | undefined {
    this.#assertOpen();
    return this.#items.get(location.key);
  }

  /**
   * Runs `body` synchronously inside one write transaction; everything it writes commits atomically
   * and the promise resolves after the commit is durable (only committed with `flushItemWrites`
   * false). If `body` throws, nothing is written and the
   * promise rejects with that error. Reads through `tx` are serializable with the writes: no other
   * write commits between them. With `mark`, the commit also records it (see `appliedIndexOf`).
   */
  async transact<T>(body: (tx: WriteTransaction) => T, mark?: AppliedMark): Promise<T> {
    this.#assertOpen();
    return this.#groupCommit.submit(() => {
      const tx = new WriteTransaction(
        (location) => this.#items.get(location.key),
        (location) => this.#writeApplier.readJson(location.key),
      );
      let writes: BufferedWrite[] = [];
      let result: T;
      try {
        result = body(tx);
      } finally {
        writes = tx.close();
      }
      if (isPromiseLike(result)) throw new TypeError("a transact() body must be synchronous");
      this.#writeApplier.apply(writes, Date.now());
      if (mark) this.#meta.put(appliedIndexKeyPrefix + mark.group, mark.index);
      return result;
    });
  }

  /** The index of `group`'s latest `AppliedMark` as of the latest commit; undefined before its first. */
  appliedIndexOf(group: string): number | undefined {
    this.#assertOpen();
    return this.#meta.get(appliedIndexKeyPrefix + group);
  }

  /** Resolves once every commit so far is on disk (at once in effect unless `flushItemWrites` is false). */
  async flush(): Promise<void> {
    this.#assertOpen();
    await this.#sync();
  }

  /**
   * The items of one partition key in sort key order (descending when `forward` is false), limited to
   * `options.sort`: one LMDB key range, read lazily from one snapshot.
   */
  query(table: TableRecord, partitionValue: AttributeValue, options: QueryOptions): Iterable<Item> {
    const current = this.#liveTable(table);
    const { prefix } = locatePartitionKey(current, partitionValue);
    const range = sortKeyRange(prefix, current.keySchema.sortKey?.type, options.sort);
    let resumeAfter: Buffer | undefined;
    if (options.exclusiveStartKey) {
      const start = locateItem(current, options.exclusiveStartKey);
      if (!start.partitionPrefix.equals(prefix))
        throw validationError("The provided starting key is invalid");
      if (range && (start.key.compare(range.start) < 0 || start.key.compare(range.end) >= 0)) {
        throw validationError("The provided starting key does not match the range key predicate");
      }
      resumeAfter = start.key;
    }
    if (!range) return [];
    if (options.forward) {
      return this.#values({
        start: resumeAfter ?? range.start,
        end: range.end,
        exclusiveStart: resumeAfter !== undefined,
      });
    }
    // A reverse range runs from `start` down to `end`: the exclusive upper bound is the excluded start,
    // the inclusive lower bound the included end.
    return this.#values({
      start: resumeAfter ?? range.end,
      end: range.start,
      reverse: true,
      exclusiveStart: true,
      inclusiveEnd: true,
    });
  }

  /** The items of a table (or of one parallel-scan segment, a hash range), read lazily from one snapshot. */
  scan(table: TableRecord, options: ScanOptions): Iterable<Item> {
    const current = this.#liveTable(table);
    const { startHash, endHash } =
      options.hashRange ??
      (options.segment !== undefined && options.totalSegments !== undefined
        ? segmentHashRange(options.segment, options.totalSegments)
        : { startHash: 0, endHash: hashSpaceSize });
    const end = hashKeyStart(current.id, endHash);
    if (options.exclusiveStartKey) {
      const start = locateItem(current, options.exclusiveStartKey);
      if (start.hash < startHash || start.hash >= endHash) {
        throw validationError(
          `The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: ${options.totalSegments} Segment: ${options.segment}`,
        );
      }
      return this.#values({ start: start.key, end, exclusiveStart: true });
    }
    return this.#values({ start: hashKeyStart(current.id, startHash), end });
  }

  /**
   * Up to `limit` (at most `maxChangeRecordsPerRead`) change records of one partition with a sequence
   * greater than `afterSequence`, oldest first. Records older than the retention bound are gone.
   */
  changes(table: TableRecord, partitionId: string, afterSequence: number, limit: number): ChangeRecord[] {
    const current = this.#liveTable(table);
    const partition = current.partitions.find((candidate) => candidate.id === partitionId);
    if (!partition) throw resourceNotFound(`Partition not found: ${partitionId}`);
    const count = Math.max(0, Math.min(Math.floor(limit), maxChangeRecordsPerRead));
    const first = Math.max(0, Math.floor(afterSequence) + 1);
    if (count === 0 || first > maxSequence) return [];
    return [
      ...this.#changes
        .getRange({
          start: changeRecordKey(current.id, partition, first),
          end: changeRecordKey(current.id, partition, maxSequence),
          limit: count,
        })
        .map(({ value }) => value),
    ];
  }

  #values(range: {
    start: Buffer;
    end: Buffer;
    reverse?: boolean;
    exclusiveStart?: boolean;
    inclusiveEnd?: boolean;
  }): Iterable<Item> {
    return this.#items.getRange({ ...range, snapshot: true }).map(({ value }) => value);
  }

  /**
   * Runs `apply` in a write transaction and resolves after its commit is on disk. lmdb-js resolves a
   * transaction once it is committed and visible; with overlapping sync (its default off Windows) the
   * fsync follows separately, which lets the next batch commit while this one flushes — measured 7×
   * the throughput of syncing inside the commit with 32 writes in flight. `flushed` is a thenable read
   * when `then` is called, so it is called now, while the newest batch is the one holding `apply`.
   */
  async #durably<T>(apply: () => T): Promise<T> {
    if (!this.#flushItemWrites) {
      const result = await this.#committed(apply);
      await this.#sync();
      return result;
    }
    const committed = this.#root.transaction(apply);
    const flushed = new Promise<unknown>((resolve, reject) => {
      this.#root.flushed.then(resolve, reject);
    });
    const [result] = await Promise.all([committed, flushed]);
    return result;
  }

  /**
   * Runs `apply` in a write transaction and resolves once it is committed and visible, not flushed.
   * Without flushes (`flushItemWrites: false`) the commit runs at once on this thread: committing
   * without a sync takes ~20 µs of CPU, where handing it to lmdb-js's write thread costs ~95 µs and
   * several context switches (measured one put per commit, one core).
   */
  #committed<T>(apply: () => T): Promise<T> {
    if (this.#flushItemWrites) return this.#root.transaction(apply);
    try {
      return Promise.resolve(this.#root.transactionSync(apply));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Flushes every commit so far to disk (the environment is opened noSync when item writes are not flushed). */
  #sync(): Promise<void> {
    if (this.#flushItemWrites) {
      return new Promise((resolve, reject) => {
        this.#root.flushed.then(() => resolve(), reject);
      });
    }
    // lmdb-js has `sync` on the root, untyped: a forced mdb_env_sync, answered through the callback.
    const root = this.#root as unknown as { sync(callback: (error?: unknown) => void): void };
    return new Promise((resolve, reject) => {
      root.sync((error) => (error ? reject(error) : resolve()));
    });
  }

  #partitionState(tableId: number, partition: PartitionRecord): PartitionState {
    const state = this.#partitionStates.get(partitionStateKey(tableId, partition));
    if (!state) throw new Error(`missing counters of partition ${partition.id}`);
    return { ...state };
  }

  #countItems(tableId: number, partition: PartitionRecord): StorageStats {
    let itemCount = 0;
    let sizeBytes = 0;
    const range = {
      start: hashKeyStart(tableId, partition.startHash),
      end: hashKeyStart(tableId, partition.endHash),
    };
    for (const { value } of this.#items.getRange(range)) {
      itemCount++;
      sizeBytes += itemSizeBytes(value);
    }
    return { itemCount, sizeBytes };
  }

  /**
   * Applies `change` to the table record inside a write transaction and publishes the result there,
   * so that writes queued after it in the same batch already see it.
   */
  async #updateTable(name: string, change: (table: TableRecord) => TableRecord): Promise<TableRecord> {
    this.#assertOpen();
    if (!this.#tables.has(name)) throw tableNotFound(name);
    return this.#durably(() => {
      const table = this.#tables.get(name);
      if (!table) throw tableNotFound(name);
      const next = Object.freeze(change(table));
      assertPartitionMap(next.partitions);
      this.#catalog.put(name, next);
      this.#publish(next);
      return next;
    });
  }

  #publish(table: TableRecord): void {
    this.#tables.set(table.name, table);
    this.#tablesById.set(table.id, table);
  }

  /** The current record of `table`, which a write may have replaced; ResourceNotFound once deleted. */
  #liveTable(table: TableRecord): TableRecord {
    this.#assertOpen();
    const current = this.#tablesById.get(table.id);
    if (!current) throw tableNotFound(table.name);
    return current;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageEngineClosedError();
  }

  #startPurge(tableId: number): void {
    const purge = this.#purgeTable(tableId).finally(() => this.#purges.delete(purge));
    this.#purges.add(purge);
  }

  /** Removes every key of a deleted table, a bounded batch per transaction. */
  async #purgeTable(tableId: number): Promise<void> {
    const range = { start: tableKeyStart(tableId), end: tableKeyStart(tableId + 1), limit: purgeBatchKeys };
    for (const database of [this.#items, this.#partitionStates, this.#changes] as Database<
      unknown,
      Buffer
    >[]) {
      let removed = purgeBatchKeys;
      while (removed === purgeBatchKeys) {
        removed = await this.#durably(() => {
          this.#counters.forgetTable(tableId);
          const keys = [...database.getKeys(range)];
          for (const key of keys) database.remove(key);
          return keys.length;
        });
      }
    }
  }

  /** Purges the keys of tables whose deletion was interrupted by a crash. */
  async #purgeOrphanedTables(): Promise<void> {
    const orphans = new Set<number>();
    for (const database of [this.#items, this.#partitionStates, this.#changes] as Database<
      unknown,
      Buffer
    >[]) {
      let tableId = 0;
      while (tableId <= maxTableId) {
        const [key] = database.getKeys({ start: tableKeyStart(tableId), limit: 1 });
        if (key === undefined) break;
        tableId = tableIdOfKey(key);
        if (!this.#tablesById.has(tableId)) orphans.add(tableId);
        tableId++;
      }
    }
    for (const tableId of orphans) await this.#purgeTable(tableId);
  }
}
