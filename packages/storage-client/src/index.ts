/**
 * @hakobune/storage-client: how every Hakobune service reaches storage (our DynamoDB-compatible store, or
 * Amazon DynamoDB itself) through the AWS SDK v3. Other packages import only from here.
 */
export type { StorageSettings } from "./config/storage-variables.js";
export {
  awsStorageEndpoint,
  defaultStorageAccessKeyId,
  defaultStorageEndpoint,
  defaultStorageMaxAttempts,
  defaultStorageRegion,
  defaultStorageRequestTimeoutMs,
  defaultStorageSecretAccessKey,
  maxStorageMaxAttempts,
  maxStorageRequestTimeoutMs,
  storageAccessKeyIdVariable,
  storageEndpointVariable,
  storageMaxAttemptsVariable,
  storageRegionVariable,
  storageRequestTimeoutVariable,
  storageSecretAccessKeyVariable,
  storageVars,
} from "./config/storage-variables.js";
export type { StorageClients } from "./connection/connect-to-storage.js";
export { connectToStorage, storageConnectTimeoutMs } from "./connection/connect-to-storage.js";
export type { StorageConnection } from "./connection/storage-connection.js";
export { storageConnectionFrom } from "./connection/storage-connection.js";
export type { StorageClientErrorCode } from "./errors.js";
export {
  StorageClientError,
  StorageUnreachableError,
  storageClientErrorCodes,
  TableKeySchemaError,
  TableNotActiveError,
} from "./errors.js";
export type { EnsuredTable, EnsureTableOptions } from "./tables/ensure-pk-sk-table.js";
export {
  defaultEnsureTableTimeoutMs,
  defaultTableStatusPollIntervalMs,
  ensurePkSkTable,
} from "./tables/ensure-pk-sk-table.js";
