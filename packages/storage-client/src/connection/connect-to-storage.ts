/**
 * Opens the AWS SDK v3 clients a service talks to storage with: the low-level `DynamoDBClient` (tables)
 * and the `DynamoDBDocumentClient` over it (items as plain JavaScript values), with bounded retries and a
 * bounded time per attempt.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { defaultStorageMaxAttempts, defaultStorageRequestTimeoutMs } from "../config/storage-variables.js";
import type { StorageConnection } from "./storage-connection.js";

/** How long opening a TCP connection to storage may take, in milliseconds. */
export const storageConnectTimeoutMs = 3_000;

export interface StorageClients {
  readonly client: DynamoDBClient;
  /** Marshals items to and from plain values; `undefined` attributes are left out rather than refused. */
  readonly documents: DynamoDBDocumentClient;
  /** Closes the underlying HTTP connections; the clients are unusable afterwards. */
  close(): void;
}

export function connectToStorage(connection: StorageConnection): StorageClients {
  const client = new DynamoDBClient({
    ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
    ...(connection.region === undefined ? {} : { region: connection.region }),
    ...(connection.credentials === undefined ? {} : { credentials: { ...connection.credentials } }),
    maxAttempts: connection.maxAttempts ?? defaultStorageMaxAttempts,
    requestHandler: {
      connectionTimeout: storageConnectTimeoutMs,
      requestTimeout: connection.requestTimeoutMs ?? defaultStorageRequestTimeoutMs,
      // Without this the SDK only logs a warning and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documents, close: () => client.destroy() };
}
