/**
 * `hakobune storage --zones 3 --routers 2`: two request routers, each a process of its own, on the
 * one DynamoDB port; the kernel spreads new connections between them, both serve the same store, and
 * when one router dies the other takes every new connection. Bad values of the flag are refused with
 * one sentence.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../support/free-port.js";
import { createClient } from "../support/targets.js";
import { createStringKeyTable, runProcess, stopProcess, waitForListening } from "./cluster-processes.js";

const main = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
/** Fresh connections tried before both routers must have answered one. */
const maxProbes = 200;

/** The pid of the router that answers `GET /healthz` on a connection of its own. */
function routerOf(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = request({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve((JSON.parse(body) as { router: number }).router));
    });
    probe.on("error", reject);
    probe.end();
  });
}

describe("several routers on one port", () => {
  let dataDir: string;
  let port: number;
  let store: ReturnType<typeof runProcess>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "hakobune-routers-"));
    port = await findFreePort();
    store = runProcess([
      main,
      "--zones",
      "3",
      "--routers",
      "2",
      "--port",
      String(port),
      "--data-dir",
      dataDir,
    ]);
    await waitForListening(store.child, () =>
      store.output().includes("storage listening on") ? "listening on" : "",
    );
  });

  afterAll(async () => {
    await stopProcess(store?.child);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("spreads connections over both routers, which serve the same store, and leaves one serving when the other dies", async () => {
    expect(store.output()).toContain("(2 routers of 3 storage nodes");
    const seen = new Set<number>();
    for (let probe = 0; probe < maxProbes && seen.size < 2; probe++) seen.add(await routerOf(port));
    expect(seen.size).toBe(2);
    expect(seen.has(store.child.pid!)).toBe(true);

    const client = createClient(`http://127.0.0.1:${port}`);
    await createStringKeyTable(client, "spread");
    // Each write on a connection of its own: a later read through either router finds it.
    for (let k = 0; k < 6; k++) {
      const writer = createClient(`http://127.0.0.1:${port}`);
      await writer.send(
        new PutItemCommand({ TableName: "spread", Item: { pk: { S: `k${k}` }, n: { N: `${k}` } } }),
      );
      writer.destroy();
    }
    for (let k = 0; k < 6; k++) {
      const reader = createClient(`http://127.0.0.1:${port}`);
      const { Item } = await reader.send(
        new GetItemCommand({ TableName: "spread", Key: { pk: { S: `k${k}` } }, ConsistentRead: true }),
      );
      expect(Item?.n?.N).toBe(`${k}`);
      reader.destroy();
    }

    const other = [...seen].find((pid) => pid !== store.child.pid)!;
    process.kill(other, "SIGKILL");
    await expect.poll(() => store.output()).toMatch(/storage router 2 exited \(code null, signal SIGKILL\)/);
    for (let probe = 0; probe < 20; probe++) expect(await routerOf(port)).toBe(store.child.pid);
    await client.send(
      new PutItemCommand({ TableName: "spread", Item: { pk: { S: "after" }, n: { N: "1" } } }),
    );
    const { Item } = await client.send(
      new GetItemCommand({ TableName: "spread", Key: { pk: { S: "after" } } }),
    );
    expect(Item?.n?.N).toBe("1");
    client.destroy();
  });

  it("refuses a router count out of bounds, or without --zones, with one sentence", async () => {
    const run = promisify(execFile);
    for (const [args, message] of [
      [["--zones", "3", "--routers", "0"], /--routers must be an integer between 1 and 8, got "0"\./],
      [["--zones", "3", "--routers", "9"], /--routers must be an integer between 1 and 8, got "9"\./],
      [["--routers", "2"], /--routers needs --zones 2 or more/],
    ] as const) {
      const failure = await run(process.execPath, [main, "--data-dir", dataDir, ...args]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toMatch(message);
    }
  });
});
