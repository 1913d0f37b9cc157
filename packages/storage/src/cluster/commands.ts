/**
 * What a Raft log entry carries: a deterministic command, decided by the leader before it is
 * proposed, that every replica replays without evaluating anything. Item writes are final images (the
 * item to store, or the key to delete), so conditions, update expressions and `ReturnValues` are
 * evaluated once, on the leader; table commands are the catalog changes of CreateTable, UpdateTable
 * and DeleteTable. Commands travel and persist as UTF-8 JSON.
 */
import type { KeySchema } from "../engine/index.js";
import type { Item } from "../values/types.js";
import type { GroupRecord } from "./group-map.js";

/** One item write of a `write` command: `item` is stored, or else the item with key `key` is deleted. */
export interface ItemWrite {
  table: string;
  /** The table's identity across re-creations under the same name (its definition's `tableId`). */
  tableId: string;
  item?: Item;
  key?: Item;
}

/** The item writes of one request, all in one partition group, applied atomically. */
export interface WriteCommand {
  kind: "write";
  /**
   * The metadata group's applied index when the leader decided the writes: a replica applies the
   * command only once its own catalog has caught up to it, so the tables the writes name exist there.
   */
  metaIndex: number;
  writes: ItemWrite[];
}

export interface CreateTableCommand {
  kind: "createTable";
  name: string;
  keySchema: KeySchema;
  definition: unknown;
}

export interface UpdateTableCommand {
  kind: "updateTable";
  name: string;
  tableId: string;
  definition: unknown;
}

export interface DeleteTableCommand {
  kind: "deleteTable";
  name: string;
  tableId: string;
}

/**
 * Records splits in the cluster's partition map (proposed to the metadata group by its leader, from
 * what its own replicas of the item groups applied): merged with `mergeGroupRecords`, so repeating it
 * or recording splits out of order changes nothing more.
 */
export interface RecordGroupsCommand {
  kind: "recordGroups";
  groups: GroupRecord[];
}

export type MetaCommand = CreateTableCommand | UpdateTableCommand | DeleteTableCommand | RecordGroupsCommand;

/**
 * A transaction across partition groups locks its keys in every group it touches (the prepared
 * intent): while the lock holds, no other write to those keys is decided. `itemKeys` are the engine's
 * physical item keys (latin1). `lockedAtMs` is the proposing leader's clock, for the recovery of
 * locks whose coordinator died.
 */
export interface LockCommand {
  kind: "lock";
  txId: string;
  /** The partition group whose log holds the transaction's decision. */
  coordinator: string;
  lockedAtMs: number;
  itemKeys: string[];
}

export type TransactionOutcome = "commit" | "abort";

/**
 * The decision of a transaction, proposed to its coordinator group: the first `decide` applied for a
 * transaction wins, later ones only learn it. A commit carries every group's writes, so that any
 * group can finish its part from the decision alone.
 */
export interface DecideCommand {
  kind: "decide";
  txId: string;
  outcome: TransactionOutcome;
  /** The catalog index the writes were decided at, as a `write` command's. */
  metaIndex: number;
  /** The writes of each group, by group name (empty for an abort). */
  writes: Record<string, ItemWrite[]>;
}

/**
 * Ends a transaction in one group: a commit applies this group's writes and releases the lock, an
 * abort only releases it. Both act only while the group still holds the transaction's lock, so a
 * repeated or late `finish` changes nothing.
 */
export interface FinishCommand {
  kind: "finish";
  txId: string;
  outcome: TransactionOutcome;
  metaIndex: number;
  writes: ItemWrite[];
}

/** Drops a decision once every group finished the transaction. */
export interface ForgetCommand {
  kind: "forget";
  txId: string;
}

/**
 * Splits an item group at `midHash` (see README.md, "Online splits"): applied only while the group
 * still owns exactly [startHash, endHash) and holds no transaction lock; the group then keeps the
 * lower half and every replica starts group `newGroup` for the upper half from the items its engine
 * already holds.
 */
export interface SplitCommand {
  kind: "split";
  startHash: number;
  midHash: number;
  endHash: number;
  newGroup: string;
  replicas: string[];
}

export type TransactionCommand = LockCommand | DecideCommand | FinishCommand | ForgetCommand;
export type PartitionCommand = WriteCommand | TransactionCommand | SplitCommand;
export type Command = PartitionCommand | MetaCommand;

const commandKinds = new Set<string>([
  "write",
  "createTable",
  "updateTable",
  "deleteTable",
  "lock",
  "decide",
  "finish",
  "forget",
  "split",
  "recordGroups",
]);

/** Raised when a log entry does not decode to a command: a corrupt log or a version mismatch. */
export class CommandDecodeError extends Error {
  readonly code = "COMMAND_DECODE";
  override readonly name = "CommandDecodeError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(command: Command): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export function decodeCommand(data: Uint8Array): Command {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw new CommandDecodeError(`a log entry is not JSON: ${(error as Error).message}`);
  }
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !commandKinds.has(kind)) {
    throw new CommandDecodeError(`a log entry has an unknown kind ${JSON.stringify(kind)}`);
  }
  return value as Command;
}

/** The identity of a table across re-creations: the API's `tableId`, or its name for a bare definition. */
export function tableIdentity(table: { name: string; definition: unknown }): string {
  const id = (table.definition as { tableId?: unknown } | null)?.tableId;
  return typeof id === "string" ? id : table.name;
}
