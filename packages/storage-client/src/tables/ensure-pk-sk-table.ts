/**
 * Makes sure a service's single table exists with the generic key every Hakobune service uses (`pk` string
 * partition key, `sk` string sort key, on-demand billing) and is ACTIVE, creating it when missing. Safe to
 * call from every instance at start-up: when two create at once, the loser's "already exists" is the
 * outcome it wanted. A table of that name with another key is reported, never used.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { StorageUnreachableError, TableKeySchemaError, TableNotActiveError } from "../errors.js";

/** Default longest wait for the table (and, with `waitForStorage`, for storage itself), in milliseconds. */
export const defaultEnsureTableTimeoutMs = 30_000;
/** Default pause between two reads of the table's status, in milliseconds. */
export const defaultTableStatusPollIntervalMs = 200;

export interface EnsureTableOptions {
  /**
   * Longest wait, in milliseconds, for the table to become ACTIVE and, with `waitForStorage`, for storage
   * to accept connections. Default: 30000.
   */
  timeoutMs?: number;
  /** Pause between two status reads (or connection attempts), in milliseconds. Default: 200. */
  pollIntervalMs?: number;
  /**
   * Keep trying while storage refuses connections (it may be starting next to the service), within
   * `timeoutMs`. Default: false: a refused connection fails at once, as a command-line tool wants.
   */
  waitForStorage?: boolean;
}

export interface EnsuredTable {
  /** True when this call created the table; false when it existed or a concurrent caller created it. */
  created: boolean;
}

const keySchema = [
  { AttributeName: "pk", KeyType: "HASH" },
  { AttributeName: "sk", KeyType: "RANGE" },
] as const;
const expectedKey = "pk (HASH, S) + sk (RANGE, S)";

export async function ensurePkSkTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<EnsuredTable> {
  const timeoutMs = options.timeoutMs ?? defaultEnsureTableTimeoutMs;
  const pollIntervalMs = options.pollIntervalMs ?? defaultTableStatusPollIntervalMs;
  if (!(timeoutMs >= 0) || !(pollIntervalMs > 0)) {
    throw new RangeError("timeoutMs must be at least 0 and pollIntervalMs more than 0");
  }
  const deadline = Date.now() + timeoutMs;
  const describe = async () => {
    for (;;) {
      try {
        return await describeTable(client, tableName);
      } catch (error) {
        if (!(options.waitForStorage && isConnectionRefused(error))) throw error;
        if (Date.now() >= deadline) throw new StorageUnreachableError(timeoutMs, error);
        await pause(pollIntervalMs);
      }
    }
  };

  let table = await describe();
  let created = false;
  if (table === undefined) {
    created = await createTable(client, tableName);
  }
  for (;;) {
    table ??= await describe();
    if (table !== undefined) {
      checkKeySchema(tableName, table);
      if (table.TableStatus === "ACTIVE") return { created };
    }
    if (Date.now() >= deadline) throw new TableNotActiveError(tableName, table?.TableStatus, timeoutMs);
    await pause(pollIntervalMs);
    table = undefined;
  }
}

/** Returns false when another caller created the table first. */
async function createTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [...keySchema],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
}

async function describeTable(client: DynamoDBClient, tableName: string) {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table ?? {};
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function checkKeySchema(tableName: string, table: TableDescription): void {
  const actual = describeKey(table);
  if (actual !== expectedKey) throw new TableKeySchemaError(tableName, actual, expectedKey);
}

/** The key in the same words as `expectedKey`, e.g. `id (HASH, N)`. */
function describeKey(table: TableDescription): string {
  const types = new Map(
    (table.AttributeDefinitions ?? []).map((definition) => [
      definition.AttributeName,
      definition.AttributeType,
    ]),
  );
  const parts = (table.KeySchema ?? []).map(
    (element) => `${element.AttributeName} (${element.KeyType}, ${types.get(element.AttributeName) ?? "?"})`,
  );
  return parts.length === 0 ? "no key schema" : parts.join(" + ");
}

/** Storage is not listening (yet); the SDK has already spent its own retries on this request. */
function isConnectionRefused(error: unknown): boolean {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  return code === "ECONNREFUSED" || cause?.code === "ECONNREFUSED";
}

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
