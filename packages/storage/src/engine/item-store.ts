/**
 * The seam between the DynamoDB operations and whatever holds the items: the part of
 * `StorageEngine` the operations call. The single-node server hands them the engine itself; a storage
 * node of the replicated cluster hands them its own implementation, which decides writes on the
 * partition's Raft leader and reads from the node's local engine. `getItemJson` is optional: without
 * it, GetItem reads the item with `getItem` and stringifies it.
 */
import type { StorageEngine } from "./storage-engine.js";

export type ItemStore = Pick<
  StorageEngine,
  | "getTable"
  | "listTableNames"
  | "createTable"
  | "deleteTable"
  | "updateTableDefinition"
  | "tableStats"
  | "getItem"
  | "transact"
  | "query"
  | "scan"
> &
  Partial<Pick<StorageEngine, "getItemJson">>;
