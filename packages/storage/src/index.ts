/** The storage package's public surface: the DynamoDB-compatible server and its building blocks. */
export {
  clusterOptionsFromFlags,
  defaultStoragePort,
  parseStorageZones,
  runStorageFromCommandLine,
  StorageUsageError,
  serveStorage,
  storageClusterFlags,
  storageCredentialsFromEnv,
  storageUsage,
} from "./api/run.js";
export {
  defaultDrainTimeoutMs,
  maxRequestBytes,
  type StorageServer,
  type StorageServerOptions,
  startStorageServer,
} from "./api/server.js";
export { type Credentials, DEFAULT_CREDENTIALS } from "./api/sigv4.js";
export * from "./errors.js";
export * from "./values/types.js";
