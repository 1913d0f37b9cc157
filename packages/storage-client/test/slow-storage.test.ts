/**
 * The bounds on waiting, shown against a stand-in that speaks just enough of DynamoDB's JSON protocol to
 * do what our storage never does: keep a table CREATING (Amazon's tables take a while; ours are ACTIVE at
 * once), or never answer at all.
 */
import { createServer, type Server } from "node:http";
import { loadConfig } from "@hakobune/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectToStorage,
  ensurePkSkTable,
  storageConnectionFrom,
  storageVars,
  TableNotActiveError,
} from "../src/index.js";

/** Table name the stand-in never answers for. */
const silentTable = "silent";

function standIn(): Server {
  return createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const { TableName } = JSON.parse(body) as { TableName?: string };
      if (TableName === silentTable) return;
      response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      response.end(
        JSON.stringify({
          Table: {
            TableName,
            TableStatus: "CREATING",
            KeySchema: [
              { AttributeName: "pk", KeyType: "HASH" },
              { AttributeName: "sk", KeyType: "RANGE" },
            ],
            AttributeDefinitions: [
              { AttributeName: "pk", AttributeType: "S" },
              { AttributeName: "sk", AttributeType: "S" },
            ],
          },
        }),
      );
    });
  });
}

describe("ensurePkSkTable's bounds", () => {
  const server = standIn();
  let endpoint = "";

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function connect(env: Record<string, string> = {}) {
    const settings = loadConfig(storageVars(), { HAKOBUNE_STORAGE_ENDPOINT: endpoint, ...env });
    return connectToStorage(storageConnectionFrom(settings));
  }

  it("gives up on a table that never becomes ACTIVE, naming its last status", async () => {
    const storage = connect();
    try {
      const failure = await ensurePkSkTable(storage.client, "forever-creating", {
        timeoutMs: 200,
        pollIntervalMs: 20,
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TableNotActiveError);
      expect(failure).toMatchObject({
        code: "STORAGE_TABLE_NOT_ACTIVE",
        tableName: "forever-creating",
        lastStatus: "CREATING",
      });
    } finally {
      storage.close();
    }
  });

  it("abandons a request storage never answers after the request timeout, on every attempt", async () => {
    const storage = connect({
      HAKOBUNE_STORAGE_REQUEST_TIMEOUT_MS: "100",
      HAKOBUNE_STORAGE_MAX_ATTEMPTS: "2",
    });
    try {
      const failure = await ensurePkSkTable(storage.client, silentTable).catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: "TimeoutError", $metadata: { attempts: 2 } });
    } finally {
      storage.close();
    }
  });
});
