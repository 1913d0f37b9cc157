/**
 * The AWS SDK v3 client every part of the benchmark talks through: a keep-alive agent sized to the
 * concurrency, one attempt per request (a retry would hide an error and distort latency).
 */
import { Agent } from "node:http";
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";

/** The signing region; every target accepts any. */
export const region = "us-east-1";

/** The key pair the hakobune target checks signatures against by default; the others accept any. */
export const benchCredentials = { accessKeyId: "hakobune", secretAccessKey: "hakobune-local-secret" };

/** A client for `endpoint` whose agent keeps up to `concurrency` connections open. */
export function createClient({ endpoint, credentials = benchCredentials, concurrency }) {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials,
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
  });
}

/** The SDK command class for each command name the workload uses. */
export const commandClasses = { PutItem: PutItemCommand, GetItem: GetItemCommand, Query: QueryCommand };
