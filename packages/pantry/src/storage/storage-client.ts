/**
 * The connection to storage through the AWS SDK v3: our DynamoDB-compatible store by default, or Amazon
 * DynamoDB itself when the endpoint is `aws` (then the SDK finds region and credentials as usual).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** The endpoint value that means "Amazon DynamoDB, with the SDK's own configuration". */
export const awsStorageEndpoint = "aws";

export interface StorageConnection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Attempts per request, the first included, on throttling and transient errors. Default: 3. */
  maxAttempts?: number;
}

export function createStorageClients(connection: StorageConnection) {
  const aws = connection.endpoint === awsStorageEndpoint;
  const client = new DynamoDBClient({
    region: connection.region,
    maxAttempts: connection.maxAttempts ?? 3,
    ...(aws
      ? {}
      : {
          endpoint: connection.endpoint,
          credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey },
        }),
  });
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documents };
}
