/**
 * `ensurePkSkTable` against our storage as a real process, through the AWS SDK: it creates the table
 * once, is idempotent, lets concurrent callers all succeed, refuses a table with another key, and waits
 * for (or refuses at once) a storage that is not listening yet.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { loadConfig } from "@hakobune/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectToStorage,
  ensurePkSkTable,
  StorageClientError,
  type StorageClients,
  StorageUnreachableError,
  storageConnectionFrom,
  storageVars,
  TableKeySchemaError,
} from "../src/index.js";
import { freePort, type StorageProcess, startStorage } from "./support/storage-process.js";

function connect(endpoint: string, env: Record<string, string> = {}): StorageClients {
  const settings = loadConfig(storageVars(), { HAKOBUNE_STORAGE_ENDPOINT: endpoint, ...env });
  return connectToStorage(storageConnectionFrom(settings));
}

async function createTable(client: DynamoDBClient, tableName: string, keys: Record<string, "S" | "N">) {
  const names = Object.keys(keys);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: names.map((name) => ({ AttributeName: name, AttributeType: keys[name] })),
      KeySchema: names.map((name, index) => ({
        AttributeName: name,
        KeyType: index === 0 ? "HASH" : "RANGE",
      })),
    }),
  );
}

describe("ensurePkSkTable against a running storage", () => {
  let storage: StorageProcess;
  const opened: StorageClients[] = [];
  const open = () => {
    const clients = connect(storage.endpoint);
    opened.push(clients);
    return clients;
  };

  beforeAll(async () => {
    storage = await startStorage();
  });
  afterAll(async () => {
    for (const clients of opened) clients.close();
    await storage?.stop();
  });

  it("creates a missing table with pk/sk string keys, ACTIVE and usable", async () => {
    const { client, documents } = open();
    expect(await ensurePkSkTable(client, "fresh")).toEqual({ created: true });

    const { Table } = await client.send(new DescribeTableCommand({ TableName: "fresh" }));
    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    // The document client leaves undefined attributes out instead of refusing the item.
    await documents.send(
      new PutCommand({
        TableName: "fresh",
        Item: { pk: "recipe#1", sk: "v", title: "Miso", note: undefined },
      }),
    );
    const { Item } = await documents.send(
      new GetCommand({ TableName: "fresh", Key: { pk: "recipe#1", sk: "v" }, ConsistentRead: true }),
    );
    expect(Item).toEqual({ pk: "recipe#1", sk: "v", title: "Miso" });
  });

  it("is idempotent: a second call creates nothing and keeps the items", async () => {
    const { client, documents } = open();
    await ensurePkSkTable(client, "twice");
    await documents.send(new PutCommand({ TableName: "twice", Item: { pk: "a", sk: "b", kept: true } }));

    expect(await ensurePkSkTable(client, "twice")).toEqual({ created: false });
    const { Item } = await documents.send(
      new GetCommand({ TableName: "twice", Key: { pk: "a", sk: "b" }, ConsistentRead: true }),
    );
    expect(Item?.kept).toBe(true);
  });

  it("lets concurrent callers all succeed, exactly one of them creating", async () => {
    const callers = [open(), open(), open()];
    const results = await Promise.all(callers.map(({ client }) => ensurePkSkTable(client, "contended")));
    expect(results.filter((result) => result.created)).toHaveLength(1);
  });

  it.each([
    ["another key name", { id: "S" }, "id (HASH, S)"],
    ["a numeric partition key", { pk: "N", sk: "S" }, "pk (HASH, N) + sk (RANGE, S)"],
    ["no sort key", { pk: "S" }, "pk (HASH, S)"],
    ["the keys swapped", { sk: "S", pk: "S" }, "sk (HASH, S) + pk (RANGE, S)"],
  ] as const)("reports a table with %s instead of using it", async (_case, keys, actualKey) => {
    const { client } = open();
    const tableName = `mismatch-${Object.entries(keys).flat().join("-")}`;
    await createTable(client, tableName, keys);

    const failure = await ensurePkSkTable(client, tableName).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TableKeySchemaError);
    expect(failure).toMatchObject({
      code: "STORAGE_TABLE_KEY_SCHEMA_MISMATCH",
      tableName,
      actualKey,
      expectedKey: "pk (HASH, S) + sk (RANGE, S)",
    });
    expect((failure as Error).message).toContain(tableName);
  });

  it("refuses a table name storage does not accept, with storage's own error", async () => {
    const { client } = open();
    const failure = await ensurePkSkTable(client, "x").catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: "ValidationException" });
    expect(failure).not.toBeInstanceOf(StorageClientError);
  });

  it("refuses bad wait options before calling storage", async () => {
    const { client } = open();
    await expect(ensurePkSkTable(client, "options", { timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(ensurePkSkTable(client, "options", { pollIntervalMs: 0 })).rejects.toThrow(RangeError);
  });

  it("fails with the wrong key pair, as storage refuses the signature", async () => {
    const clients = connect(storage.endpoint, {
      HAKOBUNE_STORAGE_ACCESS_KEY_ID: "someone",
      HAKOBUNE_STORAGE_SECRET_ACCESS_KEY: "else",
    });
    opened.push(clients);
    const failure = await ensurePkSkTable(clients.client, "unsigned").catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: "UnrecognizedClientException" });
  });
});

describe("ensurePkSkTable when storage is not listening", () => {
  it("fails at once by default", async () => {
    const clients = connect(`http://127.0.0.1:${await freePort()}`, { HAKOBUNE_STORAGE_MAX_ATTEMPTS: "1" });
    try {
      const failure = await ensurePkSkTable(clients.client, "absent").catch((error: unknown) => error);
      expect(failure).not.toBeInstanceOf(StorageClientError);
      expect(JSON.stringify(failure)).toContain("ECONNREFUSED");
    } finally {
      clients.close();
    }
  });

  it("reports StorageUnreachableError when waiting runs out", async () => {
    const clients = connect(`http://127.0.0.1:${await freePort()}`, { HAKOBUNE_STORAGE_MAX_ATTEMPTS: "1" });
    try {
      const failure = await ensurePkSkTable(clients.client, "absent", {
        waitForStorage: true,
        timeoutMs: 300,
        pollIntervalMs: 50,
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StorageUnreachableError);
      expect(failure).toMatchObject({ code: "STORAGE_UNREACHABLE" });
    } finally {
      clients.close();
    }
  });

  it("waits for a storage that starts later, then creates the table", async () => {
    const port = await freePort();
    const clients = connect(`http://127.0.0.1:${port}`);
    let storage: StorageProcess | undefined;
    try {
      const ensured = ensurePkSkTable(clients.client, "late", { waitForStorage: true, timeoutMs: 60_000 });
      storage = await startStorage(port);
      expect(await ensured).toEqual({ created: true });
    } finally {
      clients.close();
      await storage?.stop();
    }
  });
});
