/**
 * The auth-center's one table in storage, opened from its configuration: the connection comes from
 * `@hakobune/storage-client` (our store, or Amazon DynamoDB with `HAKOBUNE_STORAGE_ENDPOINT=aws`), and the
 * `pk`/`sk` table is created when missing before any store uses it.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  connectToStorage,
  type EnsureTableOptions,
  ensurePkSkTable,
  storageConnectionFrom,
} from "@hakobune/storage-client";
import type { AuthCenterConfig } from "../config/auth-config.js";

/** The document client and table every store of the auth-center writes to. */
export interface AuthTable {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Closes the underlying HTTP connections. */
  close(): void;
}

/** Connects and ensures the table exists and is ACTIVE; the connection is closed again when that fails. */
export async function openAuthTable(
  config: AuthCenterConfig,
  options: EnsureTableOptions = {},
): Promise<AuthTable> {
  const storage = connectToStorage(storageConnectionFrom(config));
  try {
    await ensurePkSkTable(storage.client, config.tableName, options);
  } catch (error) {
    storage.close();
    throw error;
  }
  return { documents: storage.documents, tableName: config.tableName, close: storage.close };
}
