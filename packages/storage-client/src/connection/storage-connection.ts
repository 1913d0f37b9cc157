/**
 * What a service needs to reach storage, decided once from its configuration: our DynamoDB-compatible
 * store at an endpoint with a static key pair, or Amazon DynamoDB (`HAKOBUNE_STORAGE_ENDPOINT=aws`) where
 * the SDK finds endpoint, region and credentials as it always does (environment, profile, IAM role).
 */
import {
  awsStorageEndpoint,
  defaultStorageRegion,
  type StorageSettings,
} from "../config/storage-variables.js";

export interface StorageConnection {
  /** The endpoint URL; `undefined` means Amazon DynamoDB at the SDK's endpoint for the region. */
  readonly endpoint: string | undefined;
  /** The region requests are signed for; `undefined` leaves it to the SDK (AWS_REGION, profile). */
  readonly region: string | undefined;
  /** A static key pair; `undefined` leaves it to the SDK's credential chain. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** Attempts per request, the first included, on throttling and transient errors. Default: 3. */
  readonly maxAttempts?: number;
  /** How long one attempt may take, in milliseconds, before it is abandoned. Default: 10000. */
  readonly requestTimeoutMs?: number;
}

export function storageConnectionFrom(settings: StorageSettings): StorageConnection {
  const tuning = {
    maxAttempts: settings.storageMaxAttempts,
    requestTimeoutMs: settings.storageRequestTimeoutMs,
  };
  if (settings.storageEndpoint === awsStorageEndpoint) {
    return { endpoint: undefined, region: settings.storageRegion, credentials: undefined, ...tuning };
  }
  return {
    endpoint: settings.storageEndpoint,
    region: settings.storageRegion ?? defaultStorageRegion,
    credentials: {
      accessKeyId: settings.storageAccessKeyId,
      secretAccessKey: settings.storageSecretAccessKey,
    },
    ...tuning,
  };
}
