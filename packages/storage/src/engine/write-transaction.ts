/**
 * The handle a `StorageEngine.transact` body writes through. Writes are buffered here and applied by
 * the engine only after the body returns, so a body that throws half-way leaves nothing behind; reads
 * see the transaction's own buffered writes first, then the store as of the write transaction.
 */
import type { AttributeValue, Item } from "../values/types.js";
import { type ItemLocation, locateItem } from "./item-location.js";
import type { TableRecord } from "./table-record.js";

/** One buffered write: the final state of one item (`undefined` = deleted). */
export interface BufferedWrite {
  table: TableRecord;
  location: ItemLocation;
  item: Item | undefined;
  /**
   * The item as committed before this transaction, when the body read it: the engine needs the old
   * image for its counters and change record, and reading and decoding it again costs as much as the
   * first read did.
   */
  committed?: CommittedItem;
}

/** An item as committed before the transaction (`undefined` = missing). */
export interface CommittedItem {
  readonly item: Item | undefined;
  /** Its stored JSON text, when the read went through it: the change record reuses it as the old image. */
  readonly json?: string | undefined;
}

/** Reads the stored JSON text of an item inside the current write transaction. */
export type CommittedJsonReader = (location: ItemLocation) => string | undefined;

/** Raised when a transaction handle is used after its body returned. */
export class TransactionClosedError extends Error {
  readonly code = "TRANSACTION_CLOSED";
  override readonly name = "TransactionClosedError";
  constructor() {
    super("the write transaction is over: use it only inside the body passed to transact()");
  }
}

export class WriteTransaction {
  readonly #writes = new Map<string, BufferedWrite>();
  /** Committed items the body read, by buffer key. */
  readonly #committedReads = new Map<string, CommittedItem>();
  readonly #readCommitted: (location: ItemLocation) => Item | undefined;
  readonly #readCommittedJson: CommittedJsonReader | undefined;
  /**
   * The last key located, so that the common read-then-write of one item (PutItem reads the item it
   * replaces, with the new item as the key) encodes and hashes its key once.
   */
  #lastLocated: LocatedKey | undefined;
  #open = true;

  /**
   * @param readCommitted reads an item from the store inside the current write transaction.
   * @param readCommittedJson when given, reads go through the item's stored JSON text instead, which
   *   the transaction keeps for the change record.
   */
  constructor(
    readCommitted: (location: ItemLocation) => Item | undefined,
    readCommittedJson?: CommittedJsonReader,
  ) {
    this.#readCommitted = readCommitted;
    this.#readCommittedJson = readCommittedJson;
  }

  /** The item with the key attributes of `key`, including this transaction's own writes. */
  get(table: TableRecord, key: Item): Item | undefined {
    this.#assertOpen();
    const { location, at } = this.#locate(table, key);
    const buffered = this.#writes.get(at);
    if (buffered) return buffered.item;
    const known = this.#committedReads.get(at);
    if (known) return known.item;
    const committed = this.#readCommittedAt(location);
    this.#committedReads.set(at, committed);
    return committed.item;
  }

  /** Stores `item` (which carries its key attributes), replacing any item with the same key. */
  put(table: TableRecord, item: Item): void {
    this.#assertOpen();
    this.#buffer(table, this.#locate(table, item), item);
  }

  /** Deletes the item with the key attributes of `key`; deleting a missing item is not an error. */
  delete(table: TableRecord, key: Item): void {
    this.#assertOpen();
    this.#buffer(table, this.#locate(table, key), undefined);
  }

  /** Ends the transaction (the engine calls this when the body returns) and hands over its writes, in the order their keys were first written. */
  close(): BufferedWrite[] {
    this.#assertOpen();
    this.#open = false;
    return [...this.#writes.values()];
  }

  #buffer(table: TableRecord, { location, at }: LocatedKey, item: Item | undefined): void {
    const write: BufferedWrite = { table, location, item };
    const committed = this.#committedReads.get(at);
    if (committed) write.committed = committed;
    this.#writes.set(at, write);
  }

  #readCommittedAt(location: ItemLocation): CommittedItem {
    if (this.#readCommittedJson === undefined) return { item: this.#readCommitted(location) };
    const json = this.#readCommittedJson(location);
    return { item: json === undefined ? undefined : (JSON.parse(json) as Item), json };
  }

  /** `locateItem`, reusing the previous answer when asked again for the same key attribute values. */
  #locate(table: TableRecord, keyOrItem: Item): LocatedKey {
    const { partitionKey, sortKey } = table.keySchema;
    const partitionValue = keyOrItem[partitionKey.name];
    const sortValue = sortKey ? keyOrItem[sortKey.name] : undefined;
    const last = this.#lastLocated;
    if (
      last !== undefined &&
      last.table === table &&
      partitionValue !== undefined &&
      last.partitionValue === partitionValue &&
      last.sortValue === sortValue
    ) {
      return last;
    }
    const location = locateItem(table, keyOrItem);
    // locateItem throws without a partition key value, so there is one here.
    const located = { table, partitionValue: partitionValue!, sortValue, location, at: bufferKey(location) };
    this.#lastLocated = located;
    return located;
  }

  #assertOpen(): void {
    if (!this.#open) throw new TransactionClosedError();
  }
}

interface LocatedKey {
  table: TableRecord;
  /** The key attribute values, by identity: values are never changed in place. */
  partitionValue: AttributeValue;
  sortValue: AttributeValue | undefined;
  location: ItemLocation;
  /** The location's buffer key. */
  at: string;
}

/** Item keys already start with the table id; latin1 maps bytes to a string one to one. */
function bufferKey(location: ItemLocation): string {
  return location.key.toString("latin1");
}
