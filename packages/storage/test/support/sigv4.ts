/**
 * Signs a raw DynamoDB JSON 1.0 request with AWS Signature Version 4, so that tests can send exact
 * bytes with `fetch` (malformed bodies, unknown targets) and read the raw response, which the SDK
 * hides. Implements only what a POST to "/" with no query string needs.
 */
import { createHash, createHmac } from "node:crypto";

export interface SignedRequestInput {
  endpoint: string;
  target: string;
  body: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  /** Signing time; defaults to now. */
  date?: Date;
}

const service = "dynamodb";

function sha256Hex(data: string): string {
  return createHash("sha256").update(data, "utf8").digest("hex");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** Headers (including Authorization) for a POST of `body` to `endpoint` with X-Amz-Target `target`. */
export function signedHeaders(input: SignedRequestInput): Record<string, string> {
  const region = input.region ?? "us-east-1";
  const amzDate = (input.date ?? new Date()).toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const host = new URL(input.endpoint).host;
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.0",
    host,
    "x-amz-date": amzDate,
    "x-amz-target": input.target,
  };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    "POST",
    "/",
    "",
    ...names.map((name) => `${name}:${headers[name]}`),
    "",
    names.join(";"),
    sha256Hex(input.body),
  ].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

/** POSTs `body` to `endpoint` as DynamoDB's `operation` (e.g. "GetItem"), signed with `credentials`. */
export function postSigned(
  endpoint: string,
  operation: string,
  body: string,
  credentials: SignedRequestInput["credentials"],
): Promise<Response> {
  return fetch(endpoint, {
    method: "POST",
    headers: signedHeaders({ endpoint, target: `DynamoDB_20120810.${operation}`, body, credentials }),
    body,
  });
}
