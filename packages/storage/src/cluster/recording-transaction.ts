/**
 * A `WriteTransaction` that also records what a body touched: every key it read (in the order of
 * first reads, with the key attributes to read it elsewhere) and the key attributes of its deletes,
 * which the engine's own transaction does not keep but a replicated command needs.
 */
import {
  type ItemLocation,
  keyAttributesOf,
  locateItem,
  type TableRecord,
  WriteTransaction,
} from "../engine/index.js";
import type { Item } from "../values/types.js";

export interface TouchedKey {
  table: TableRecord;
  /** The item's key attributes. */
  key: Item;
  location: ItemLocation;
  /** The physical item key, latin1: how locks and pending images name an item. */
  itemKey: string;
}

export class RecordingTransaction extends WriteTransaction {
  /** Keys read, by item key, in the order of their first read. */
  readonly reads = new Map<string, TouchedKey>();
  readonly deletedKeys = new Map<string, Item>();

  override get(table: TableRecord, key: Item): Item | undefined {
    const location = locateItem(table, key);
    const itemKey = location.key.toString("latin1");
    if (!this.reads.has(itemKey)) {
      this.reads.set(itemKey, { table, key: keyAttributesOf(table, key), location, itemKey });
    }
    return super.get(table, key);
  }

  override delete(table: TableRecord, key: Item): void {
    super.delete(table, key);
    this.deletedKeys.set(locateItem(table, key).key.toString("latin1"), keyAttributesOf(table, key));
  }
}
