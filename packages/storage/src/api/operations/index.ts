/** The DynamoDB operations this store serves, by their `X-Amz-Target` name. */
import type { OperationContext } from "../common.js";
import type { Input } from "../validation.js";
import { batchGetItem, batchWriteItem } from "./batch.js";
import { deleteItem, putItem, updateItem } from "./items.js";
import { getItem, query, scan } from "./reads.js";
import { createTable, deleteTable, describeTable, listTables, updateTable } from "./tables.js";
import { transactGetItems, transactWriteItems } from "./transactions.js";

/** An operation's output, or the promise of it for one that waits (every write waits for its commit). */
export type Operation = (context: OperationContext, input: Input) => unknown;

export const operations = {
  CreateTable: createTable,
  DescribeTable: describeTable,
  ListTables: listTables,
  UpdateTable: updateTable,
  DeleteTable: deleteTable,
  PutItem: putItem,
  GetItem: getItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  Query: query,
  Scan: scan,
  BatchGetItem: batchGetItem,
  BatchWriteItem: batchWriteItem,
  TransactWriteItems: transactWriteItems,
  TransactGetItems: transactGetItems,
} satisfies Record<string, Operation>;

export type OperationName = keyof typeof operations;
