/**
 * The handle a `StorageEngine.transact` body writes through. Writes are buffered here and applied by
 * the engine only after the body returns, so a body that throws half-way leaves nothing behind; reads
 * see the transaction's own buffered writes first, then the store as of the write transaction.
 */
import type { Item } from "../values/types.js";
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
  committed?: { readonly item: Item | undefined };
}

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
  /** Committed items the body read, by buffer key (`undefined` = read and missing). */
  readonly #committedReads = new Map<string, Item | undefined>();
  readonly #readCommitted: (location: ItemLocation) => Item | undefined;
  #open = true;

  /** @param readCommitted reads an item from the store inside the current write transaction. */
  constructor(readCommitted: (location: ItemLocation) => Item | undefined) {
    this.#readCommitted = readCommitted;
  }

  /** The item with the key attributes of `key`, including this transaction's own writes. */
  get(table: TableRecord, key: Item): Item | undefined {
    this.#assertOpen();
    const location = locateItem(table, key);
    const at = bufferKey(location);
    const buffered = this.#writes.get(at);
    if (buffered) return buffered.item;
    if (this.#committedReads.has(at)) return this.#committedReads.get(at);
    const item = this.#readCommitted(location);
    this.#committedReads.set(at, item);
    return item;
  }

  /** Stores `item` (which carries its key attributes), replacing any item with the same key. */
  put(table: TableRecord, item: Item): void {
    this.#assertOpen();
    this.#buffer(table, locateItem(table, item), item);
  }

  /** Deletes the item with the key attributes of `key`; deleting a missing item is not an error. */
  delete(table: TableRecord, key: Item): void {
    this.#assertOpen();
    this.#buffer(table, locateItem(table, key), undefined);
  }

  /** Ends the transaction (the engine calls this when the body returns) and hands over its writes, in the order their keys were first written. */
  close(): BufferedWrite[] {
    this.#assertOpen();
    this.#open = false;
    return [...this.#writes.values()];
  }

  #buffer(table: TableRecord, location: ItemLocation, item: Item | undefined): void {
    const at = bufferKey(location);
    const write: BufferedWrite = { table, location, item };
    if (this.#committedReads.has(at)) write.committed = { item: this.#committedReads.get(at) };
    this.#writes.set(at, write);
  }

  #assertOpen(): void {
    if (!this.#open) throw new TransactionClosedError();
  }
}

/** Item keys already start with the table id; latin1 maps bytes to a string one to one. */
function bufferKey(location: ItemLocation): string {
  return location.key.toString("latin1");
}
