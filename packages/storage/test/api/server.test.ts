/**
 * The storage server's wire level beyond what the conformance suite checks through the SDK, against
 * the built server as a real process: x-amz-crc32 on every kind of response, 413 for a body over
 * 16 MB (declared or streamed) with the server still serving afterwards, GET /healthz, unknown routes,
 * and GET /metrics in a form `promtool check metrics` accepts, counting the operations served.
 */
import { spawnSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { crc32 } from "node:zlib";
import { ListTablesCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxRequestBytes } from "../../src/api/server.js";
import { postSigned } from "../support/sigv4.js";
import { createTable, hashTable, uniqueTableName } from "../support/tables.js";
import { defaultCredentials, startTarget, type Target } from "../support/targets.js";

const promtool = "/usr/bin/promtool";
/** Size of each piece of a streamed oversized body. Bytes. */
const streamedChunkBytes = 1024 * 1024;
/** Enough pieces to pass the 16 MB bound; the loop writing them stops here at the latest. */
const maxStreamedChunks = Math.ceil(maxRequestBytes / streamedChunkBytes) + 2;

let target: Target;
let table: string;
beforeAll(async () => {
  target = await startTarget("hakobune");
  table = await createTable(target.client, uniqueTableName("wire"), hashTable);
});
afterAll(async () => {
  await target?.stop();
});

async function post(operation: string, body: string): Promise<Response> {
  return postSigned(target.endpoint, operation, body, defaultCredentials);
}

async function bodyWithChecksum(response: Response): Promise<Buffer> {
  const body = Buffer.from(await response.arrayBuffer());
  expect(response.headers.get("x-amz-crc32")).toBe(String(crc32(body)));
  return body;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * POSTs an unsigned body of `chunks` pieces of `chunkBytes` to `/`, declaring `contentLength` when
 * given and streaming it chunked otherwise, and returns the response the server sends, which may come
 * (and the connection close) before the whole body has been written.
 */
function postOversized(chunks: number, chunkBytes: number, contentLength?: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.endpoint);
    const headers: Record<string, string | number> = {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.PutItem",
    };
    if (contentLength !== undefined) headers["content-length"] = contentLength;
    let answered = false;
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method: "POST", path: "/", headers },
      (incoming) => {
        answered = true;
        const parts: Buffer[] = [];
        incoming.on("data", (part: Buffer) => parts.push(part));
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(parts).toString(),
          }),
        );
        incoming.on("error", reject);
      },
    );
    // Once the server has answered it may cut the connection while the body is still being written.
    outgoing.on("error", (error) => {
      if (!answered) reject(error);
    });
    const piece = Buffer.alloc(chunkBytes, 0x20);
    let written = 0;
    const writeNext = (): void => {
      if (answered || outgoing.destroyed || written >= chunks) {
        if (!outgoing.destroyed) outgoing.end();
        return;
      }
      written++;
      outgoing.write(piece, (error) => {
        if (!error) writeNext();
      });
    };
    writeNext();
  });
}

describe("x-amz-crc32", () => {
  it("is the CRC-32 of the body of a success, an error, a large item and /healthz", async () => {
    const large = { pk: { S: "large" }, f: { S: "é".repeat(150_000) } };
    await target.client.send(new PutItemCommand({ TableName: table, Item: large }));
    const read = await post("GetItem", JSON.stringify({ TableName: table, Key: { pk: large.pk } }));
    expect(JSON.parse((await bodyWithChecksum(read)).toString())).toEqual({ Item: large });

    const failed = await post("GetItem", JSON.stringify({ TableName: table, Key: { other: { S: "x" } } }));
    expect(failed.status).toBe(400);
    expect(JSON.parse((await bodyWithChecksum(failed)).toString()).__type).toMatch(/#ValidationException$/);

    await bodyWithChecksum(await fetch(`${target.endpoint}/healthz`));
  });
});

describe("request size bound", () => {
  it("answers 413 to a declared body over 16 MB without reading it, and keeps serving", async () => {
    const response = await postOversized(0, 0, maxRequestBytes + 1);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ __type: expect.stringMatching(/#RequestTooLarge$/) });
    const { TableNames } = await target.client.send(new ListTablesCommand({}));
    expect(TableNames).toContain(table);
  });

  it("answers 413 to a streamed body once it passes 16 MB, and keeps serving", async () => {
    const response = await postOversized(maxStreamedChunks, streamedChunkBytes);
    expect(response.status).toBe(413);
    expect(response.headers["x-amz-crc32"]).toBe(String(crc32(Buffer.from(response.body))));
    const { TableNames } = await target.client.send(new ListTablesCommand({}));
    expect(TableNames).toContain(table);
  });

  it("accepts a body just under the bound as far as size goes", async () => {
    // 16 MB of padding after the JSON: too big for an item, but the size bound must not be what stops it.
    const body = `{"TableName":"${table}"}`.padEnd(maxRequestBytes, " ");
    const response = await post("DescribeTable", body);
    expect(response.status).toBe(200);
    expect(JSON.parse((await bodyWithChecksum(response)).toString()).Table.TableName).toBe(table);
  });
});

describe("service routes", () => {
  it("answers GET /healthz with 200 and a JSON status", async () => {
    const response = await fetch(`${target.endpoint}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers an unknown route with 404 and a JSON error", async () => {
    const response = await fetch(`${target.endpoint}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("serves /metrics that promtool accepts, counting operations by outcome", async () => {
    await target.client.send(new ListTablesCommand({}));
    for (const key of ["m1", "m2", "m3"]) {
      await target.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: key } } }));
    }
    await post("DescribeTable", JSON.stringify({ TableName: uniqueTableName("wire-missing") }));
    const response = await fetch(`${target.endpoint}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();

    const check = spawnSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.error, `${promtool} could not run`).toBeUndefined();
    expect(check.status, `promtool check metrics:\n${check.stdout}${check.stderr}`).toBe(0);

    const samples = text.split("\n").filter((line) => line.startsWith("storage_operations_total{"));
    const count = (operation: string, outcome: string) =>
      samples
        .filter((line) => line.includes(`operation="${operation}"`) && line.includes(`outcome="${outcome}"`))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
    expect(count("ListTables", "ok")).toBeGreaterThanOrEqual(1);
    expect(count("DescribeTable", "ResourceNotFoundException")).toBeGreaterThanOrEqual(1);
    expect(count("CreateTable", "ok")).toBeGreaterThanOrEqual(1);
    // Every item is counted in exactly one of the table's partitions, and in the table's total.
    const gauge = (name: string) =>
      text
        .split("\n")
        .filter((line) => line.startsWith(`${name}{`) && line.includes(`table="${table}"`))
        .map((line) => Number(line.slice(line.lastIndexOf(" ") + 1)));
    const tableItems = gauge("storage_table_items");
    expect(tableItems).toHaveLength(1);
    expect(tableItems[0]).toBeGreaterThanOrEqual(3);
    expect(gauge("storage_partition_items").reduce((sum, value) => sum + value, 0)).toBe(tableItems[0]);
    expect(gauge("storage_partition_size_bytes").length).toBeGreaterThan(1);
    // A missing table's name never becomes a label value: labels stay bounded.
    expect(samples.some((line) => line.includes("wire-missing"))).toBe(false);
  });
});
