/**
 * Creates pantry's table at start-up when it does not exist yet (`pk`/`sk` strings, on demand), and waits
 * until it is active. Two pantries starting at once both may try: the loser's "already exists" is fine.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";

/** How many times the table's status is read while waiting for it to become active. */
export const maxTableStatusChecks = 60;
/** Pause between two status checks, in milliseconds. */
export const tableStatusIntervalMs = 500;

export class TableNotActiveError extends Error {
  readonly code = "PANTRY_TABLE_NOT_ACTIVE";

  constructor(tableName: string, status: string | undefined) {
    super(`Table ${tableName} did not become active (last status: ${status ?? "unknown"}).`);
    this.name = "TableNotActiveError";
  }
}

/** Ensures the table exists and is active; returns true when this call created it. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  let created = false;
  let status = await tableStatus(client, tableName);
  if (status === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
        }),
      );
      created = true;
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  for (let check = 0; check < maxTableStatusChecks; check++) {
    status = await tableStatus(client, tableName);
    if (status === "ACTIVE") return created;
    await new Promise((resolve) => setTimeout(resolve, tableStatusIntervalMs));
  }
  throw new TableNotActiveError(tableName, status);
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.TableStatus ?? "UNKNOWN";
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
