/**
 * Conformance of the wire protocol and of request authentication, checked with raw `fetch` where the
 * SDK would hide the bytes: the x-amz-crc32 header is the CRC-32 of the body, every response carries
 * x-amzn-RequestId, an unknown X-Amz-Target is an UnknownOperationException and malformed JSON a
 * SerializationException. Requests signed with a wrong secret or an unknown access key, or not signed
 * at all, are refused and change nothing.
 *
 * DynamoDB Local accepts any credentials and answers malformed JSON with a 500 InternalFailure, so
 * those checks run against hakobune only (they are reported as skipped against DynamoDB Local).
 */
import { crc32 } from "node:zlib";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDynamoError } from "../support/expect-error.js";
import { signedHeaders } from "../support/sigv4.js";
import { createTable, hashTable, uniqueTableName } from "../support/tables.js";
import {
  createClient,
  defaultCredentials,
  selectedTargetKind,
  startTarget,
  type Target,
} from "../support/targets.js";

// DynamoDB Local ignores signatures; both of our topologies check them.
const checksSignatures = selectedTargetKind() !== "dynamodb-local";

let target: Target;
let table: string;
const original = { pk: { S: "guarded" }, v: { S: "original" } };
beforeAll(async () => {
  target = await startTarget();
  table = await createTable(target.client, uniqueTableName("auth"), hashTable);
  await target.client.send(new PutItemCommand({ TableName: table, Item: original }));
});
afterAll(async () => {
  await target?.stop();
});

async function post(operation: string, body: string, credentials = defaultCredentials): Promise<Response> {
  return fetch(target.endpoint, {
    method: "POST",
    headers: signedHeaders({
      endpoint: target.endpoint,
      target: `DynamoDB_20120810.${operation}`,
      body,
      credentials,
    }),
    body,
  });
}

async function storedItem() {
  const { Item } = await target.client.send(
    new GetItemCommand({ TableName: table, Key: { pk: original.pk }, ConsistentRead: true }),
  );
  return Item;
}

const overwrite = () =>
  new PutItemCommand({ TableName: table, Item: { pk: original.pk, v: { S: "overwritten" } } });

describe("wire protocol", () => {
  it("sends x-amz-crc32 equal to the CRC-32 of the body, and x-amzn-RequestId", async () => {
    const response = await post("GetItem", JSON.stringify({ TableName: table, Key: { pk: original.pk } }));
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.0");
    expect(response.headers.get("x-amz-crc32")).toBe(String(crc32(body)));
    expect(response.headers.get("x-amzn-requestid")).toMatch(/\S+/);
    expect(JSON.parse(body.toString("utf8"))).toEqual({ Item: original });
  });

  it("gives a distinct request id to each response, errors included", async () => {
    const ids = new Set<string | null>();
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await post(
        "DescribeTable",
        JSON.stringify({ TableName: uniqueTableName("auth-missing") }),
      );
      await response.arrayBuffer();
      expect(response.status).toBe(400);
      ids.add(response.headers.get("x-amzn-requestid"));
    }
    expect(ids.size).toBe(3);
    expect(ids.has(null)).toBe(false);
  });

  it("answers an unknown X-Amz-Target with UnknownOperationException", async () => {
    const response = await post("NoSuchOperation", "{}");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string };
    expect(body.__type).toMatch(/#UnknownOperationException$/);
  });

  it.skipIf(!checksSignatures)(
    "answers malformed JSON with SerializationException and changes nothing",
    async () => {
      const response = await post("PutItem", `{"TableName": "${table}", "Item": {"pk": {"S": "guarded"}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { __type: string };
      expect(body.__type).toMatch(/#SerializationException$/);
      expect(await storedItem()).toEqual(original);
    },
  );
});

describe.skipIf(!checksSignatures)("authentication", () => {
  it("refuses a wrong secret key and changes nothing", async () => {
    const client = createClient(target.endpoint, {
      credentials: { accessKeyId: defaultCredentials.accessKeyId, secretAccessKey: "not-the-secret" },
    });
    try {
      const error = await expectDynamoError(client.send(overwrite()), [
        "UnrecognizedClientException",
        "InvalidSignatureException",
      ]);
      expect(error.$metadata?.httpStatusCode).toBe(400);
    } finally {
      client.destroy();
    }
    expect(await storedItem()).toEqual(original);
  });

  it("refuses an unknown access key with UnrecognizedClientException and changes nothing", async () => {
    const client = createClient(target.endpoint, {
      credentials: { accessKeyId: "nobody", secretAccessKey: defaultCredentials.secretAccessKey },
    });
    try {
      await expectDynamoError(client.send(overwrite()), "UnrecognizedClientException");
    } finally {
      client.destroy();
    }
    expect(await storedItem()).toEqual(original);
  });

  it("refuses a request without Authorization with MissingAuthenticationTokenException", async () => {
    const body = JSON.stringify({ TableName: table, Item: { pk: original.pk, v: { S: "overwritten" } } });
    const response = await fetch(target.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.PutItem" },
      body,
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { __type: string };
    expect(error.__type).toMatch(/#MissingAuthenticationTokenException$/);
    expect(await storedItem()).toEqual(original);
  });

  it("refuses a raw request whose body was changed after signing", async () => {
    const signedBody = JSON.stringify({ TableName: table, Key: original.pk });
    const headers = signedHeaders({
      endpoint: target.endpoint,
      target: "DynamoDB_20120810.PutItem",
      body: signedBody,
      credentials: defaultCredentials,
    });
    const response = await fetch(target.endpoint, {
      method: "POST",
      headers,
      body: JSON.stringify({ TableName: table, Item: { pk: original.pk, v: { S: "overwritten" } } }),
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { __type: string };
    expect(error.__type).toMatch(/#InvalidSignatureException$/);
    expect(await storedItem()).toEqual(original);
  });

  it("accepts a raw request signed with the right credentials", async () => {
    const response = await post("GetItem", JSON.stringify({ TableName: table, Key: { pk: original.pk } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ Item: original });
  });
});
