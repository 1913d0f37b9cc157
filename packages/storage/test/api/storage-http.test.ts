/**
 * The storage server's own HTTP layer seen from outside, against the built server as a real process:
 * signed DynamoDB requests pipelined on one socket are answered in order with their checksums, a signed
 * request survives being sent one byte at a time, HEAD works on the service routes, refused framing gets
 * a JSON error, and the AWS SDK keeps working over its kept-alive connections throughout.
 */
import { crc32 } from "node:zlib";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedHeaders } from "../support/sigv4.js";
import { createTable, hashTable, uniqueTableName } from "../support/tables.js";
import { defaultCredentials, startTarget, type Target } from "../support/targets.js";
import { RawConnection, type RawResponse, rawRequest } from "./raw-http.js";

let target: Target;
let table: string;
let port: number;
const connections: RawConnection[] = [];

beforeAll(async () => {
  target = await startTarget("hakobune");
  table = await createTable(target.client, uniqueTableName("http"), hashTable);
  port = Number(new URL(target.endpoint).port);
});
afterAll(async () => {
  for (const connection of connections) connection.destroy();
  await target?.stop();
});

async function connect(): Promise<RawConnection> {
  const connection = await RawConnection.open(port);
  connections.push(connection);
  return connection;
}

function signedRequest(operation: string, input: unknown): string {
  const body = JSON.stringify(input);
  const headers = signedHeaders({
    endpoint: target.endpoint,
    target: `DynamoDB_20120810.${operation}`,
    body,
    credentials: defaultCredentials,
  });
  return rawRequest("POST", "/", body, {
    host: new URL(target.endpoint).host,
    ...headers,
    "content-length": String(Buffer.byteLength(body)),
  });
}

function expectChecksum(response: RawResponse) {
  expect(response.headers["x-amz-crc32"]).toBe(String(crc32(response.body)));
  expect(response.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]+-\d+$/);
}

describe("the storage server's HTTP layer", () => {
  it("answers signed requests pipelined on one socket in order, writes before the reads behind them", async () => {
    const connection = await connect();
    const count = 12;
    let bytes = "";
    for (let index = 0; index < count; index++) {
      const key = { pk: { S: `pipelined-${index}` } };
      bytes += signedRequest("PutItem", { TableName: table, Item: { ...key, n: { N: String(index) } } });
      bytes += signedRequest("GetItem", { TableName: table, Key: key });
    }
    await connection.write(bytes);
    for (let index = 0; index < count; index++) {
      const put = await connection.readResponse();
      expect(put.status).toBe(200);
      expectChecksum(put);
      const get = await connection.readResponse();
      expectChecksum(get);
      expect(JSON.parse(get.body)).toEqual({
        Item: { pk: { S: `pipelined-${index}` }, n: { N: String(index) } },
      });
    }
    expect(connection.closed).toBe(false);
  });

  it("verifies a signed request sent one byte at a time", async () => {
    await target.client.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: "split" }, v: { S: "ü" } } }),
    );
    const connection = await connect();
    await connection.writeByteByByte(
      signedRequest("GetItem", { TableName: table, Key: { pk: { S: "split" } } }),
    );
    const response = await connection.readResponse();
    expectChecksum(response);
    expect(JSON.parse(response.body)).toEqual({ Item: { pk: { S: "split" }, v: { S: "ü" } } });
  });

  it("refuses a tampered pipelined request alone, answering those around it", async () => {
    const connection = await connect();
    const good = signedRequest("GetItem", { TableName: table, Key: { pk: { S: "split" } } });
    const tampered = good.replace('"split"', '"other"');
    await connection.write(good + tampered + good);
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) statuses.push((await connection.readResponse()).status);
    expect(statuses).toEqual([200, 400, 200]);
  });

  it("answers HEAD /healthz and HEAD /metrics with heads only", async () => {
    const connection = await connect();
    await connection.write(rawRequest("HEAD", "/healthz", "", {}));
    const health = await connection.readResponse(true);
    expect(health.status).toBe(200);
    expect(health.headers["content-length"]).toBe(
      String(Buffer.byteLength(JSON.stringify({ status: "ok" }))),
    );
    await connection.write(rawRequest("HEAD", "/metrics", "", {}));
    const metrics = await connection.readResponse(true);
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain/);
    await connection.write(rawRequest("GET", "/healthz", "", {}));
    expect(JSON.parse((await connection.readResponse()).body)).toEqual({ status: "ok" });
  });

  it("answers malformed framing with a JSON error and a close, and keeps serving the SDK", async () => {
    const connection = await connect();
    await connection.write("POST / HTTP/1.1\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok");
    const response = await connection.readResponse();
    expect(response.status).toBe(400);
    expect(response.headers.connection).toBe("close");
    expectChecksum(response);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: "DUPLICATE_CONTENT_LENGTH", message: expect.stringContaining("Content-Length") },
    });
    await connection.waitForClose();
    const { Item } = await target.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: "split" } } }),
    );
    expect(Item?.v).toEqual({ S: "ü" });
  });

  it("answers Expect: 100-continue on a signed request", async () => {
    const connection = await connect();
    const request = signedRequest("GetItem", { TableName: table, Key: { pk: { S: "split" } } });
    const headEnd = request.indexOf("\r\n\r\n") + 4;
    await connection.write(`${request.slice(0, headEnd - 2)}expect: 100-continue\r\n\r\n`);
    expect((await connection.readResponse(true)).status).toBe(100);
    await connection.write(request.slice(headEnd));
    const response = await connection.readResponse();
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).Item.pk).toEqual({ S: "split" });
  });
});
