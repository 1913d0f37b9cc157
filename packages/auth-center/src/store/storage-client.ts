/**
 * Connects to the storage service (or real DynamoDB) through the AWS SDK v3 and makes sure the
 * auth-center's single table exists. With no endpoint the SDK's own defaults apply (region, credential
 * chain), so the same code runs against Amazon DynamoDB.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface StorageOptions {
  /** Storage endpoint URL; `undefined` uses the SDK's default (Amazon DynamoDB in `region`). */
  endpoint?: string | undefined;
  /** AWS region. Default: "us-east-1". */
  region?: string;
  /** Static credentials; `undefined` uses the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** The single table holding every auth-center record. Default: "auth-center". */
  tableName?: string;
}

/** The document client and table every store of the auth-center writes to. */
export interface AuthTable {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Closes the underlying HTTP connections. */
  close(): void;
}

export const defaultTableName = "auth-center";

/** How long to wait for a freshly created table to become ACTIVE, polling every `tablePollIntervalMs`. */
const tableActiveTimeoutMs = 30_000;
const tablePollIntervalMs = 200;

export function connectToTable(options: StorageOptions): AuthTable {
  const client = new DynamoDBClient({
    region: options.region ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Retries are bounded by the SDK's standard strategy (3 attempts).
    maxAttempts: 3,
  });
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { documents, tableName: options.tableName ?? defaultTableName, close: () => client.destroy() };
}

/** Creates the table (`pk` S hash key, `sk` S range key, on-demand billing) unless it already exists. */
export async function ensureTable(table: AuthTable): Promise<void> {
  if (await tableStatus(table)) return;
  try {
    await table.documents.send(
      new CreateTableCommand({
        TableName: table.tableName,
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  } catch (error) {
    // Another instance created it first: that is the outcome we wanted.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + tableActiveTimeoutMs;
  while (Date.now() < deadline) {
    if ((await tableStatus(table)) === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, tablePollIntervalMs));
  }
  throw new Error(`table ${table.tableName} did not become ACTIVE within ${tableActiveTimeoutMs} ms`);
}

async function tableStatus(table: AuthTable): Promise<string | undefined> {
  try {
    const described = await table.documents.send(new DescribeTableCommand({ TableName: table.tableName }));
    return described.Table?.TableStatus ?? "ACTIVE";
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
