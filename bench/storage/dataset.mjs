/**
 * Prepares a started target for the workload: creates the table, waits until it is ACTIVE and loads the
 * items the read operations expect, through the SDK with BatchWriteItem.
 */
import { BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { createClient } from "./sdk-client.mjs";
import { createTableInput, preloadItems, tableName } from "./workload.mjs";

/** DynamoDB's limit on the writes in one BatchWriteItem. */
const maxItemsPerBatch = 25;
/** Batches in flight at once while loading. */
const loadConcurrency = 4;
/** Rounds of resending UnprocessedItems before the load is declared failed. */
const maxUnprocessedRetries = 10;
/** How long the table may stay out of ACTIVE after CreateTable. Milliseconds. */
const tableActiveTimeoutMs = 10_000;
/** Pause between DescribeTable polls. Milliseconds. */
const tableStatusPollIntervalMs = 50;

export async function prepareDataset(endpoint, credentials) {
  const client = createClient({ endpoint, credentials, concurrency: loadConcurrency });
  try {
    await client.send(new CreateTableCommand(createTableInput));
    await waitUntilActive(client);
    const batches = [];
    const items = preloadItems();
    for (let i = 0; i < items.length; i += maxItemsPerBatch)
      batches.push(items.slice(i, i + maxItemsPerBatch));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await writeBatch(client, batches[next++]);
    };
    await Promise.all(Array.from({ length: loadConcurrency }, worker));
    return items.length;
  } finally {
    client.destroy();
  }
}

async function waitUntilActive(client) {
  const deadline = Date.now() + tableActiveTimeoutMs;
  while (Date.now() < deadline) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, tableStatusPollIntervalMs));
  }
  throw new Error(`table ${tableName} not ACTIVE after ${tableActiveTimeoutMs} ms`);
}

async function writeBatch(client, items) {
  let requests = { [tableName]: items.map((Item) => ({ PutRequest: { Item } })) };
  for (let attempt = 0; attempt <= maxUnprocessedRetries; attempt++) {
    const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: requests }));
    if (!UnprocessedItems || Object.keys(UnprocessedItems).length === 0) return;
    requests = UnprocessedItems;
  }
  throw new Error(`BatchWriteItem left items unprocessed after ${maxUnprocessedRetries} retries`);
}
