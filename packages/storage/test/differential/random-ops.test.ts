/**
 * Differential test: seeded random sequences of operations replayed against DynamoDB Local (the
 * reference) and hakobune side by side, comparing every normalized response and, at the end of each
 * sequence, the whole table. A failure names the seed of its sequence; `DIFF_SEED=<seed>
 * DIFF_SEQUENCES=1` replays exactly that sequence.
 *
 * Environment: DIFF_SEQUENCES (default 20), DIFF_OPS operations per sequence (default 200),
 * DIFF_SEED first seed (default 1), DIFF_AGAINST the target compared with the reference
 * ("hakobune" by default; "dynamodb-local" checks the harness itself).
 */
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTable } from "../support/tables.js";
import { startTarget, type Target, type TargetKind } from "../support/targets.js";
import { normalizeError, normalizeResponse, type Outcome } from "./normalize.js";
import { generateOperation, type Operation, type TableShape } from "./operations.js";
import { SeededRandom } from "./random.js";

function positiveIntegerFromEnvironment(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, not ${text}`);
  return value;
}

const sequenceCount = positiveIntegerFromEnvironment("DIFF_SEQUENCES", 20);
const operationsPerSequence = positiveIntegerFromEnvironment("DIFF_OPS", 200);
const firstSeed = positiveIntegerFromEnvironment("DIFF_SEED", 1);
const subjectKind = (process.env.DIFF_AGAINST ?? "hakobune") as TargetKind;
/** A sequence of 200 operations takes a few seconds; larger ones scale linearly. Milliseconds. */
const sequenceTimeoutMs = 60_000 + operationsPerSequence * 500;

let reference: Target;
let subject: Target;
beforeAll(async () => {
  [reference, subject] = await Promise.all([startTarget("dynamodb-local"), startTarget(subjectKind)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([reference?.stop(), subject?.stop()]);
});

function command(operation: Operation) {
  const input = operation.input as never;
  switch (operation.name) {
    case "PutItem":
      return new PutItemCommand(input);
    case "GetItem":
      return new GetItemCommand(input);
    case "UpdateItem":
      return new UpdateItemCommand(input);
    case "DeleteItem":
      return new DeleteItemCommand(input);
    case "Query":
      return new QueryCommand(input);
    case "Scan":
      return new ScanCommand(input);
    case "BatchWriteItem":
      return new BatchWriteItemCommand(input);
    case "TransactWriteItems":
      return new TransactWriteItemsCommand(input);
  }
}

async function run(client: DynamoDBClient, operation: Operation): Promise<Outcome> {
  try {
    const response = await client.send(command(operation) as never);
    return normalizeResponse(operation, response as unknown as Record<string, unknown>);
  } catch (error) {
    return normalizeError(operation, error);
  }
}

describe(`differential: dynamodb-local against ${subjectKind}`, () => {
  for (let index = 0; index < sequenceCount; index++) {
    const seed = firstSeed + index;
    it(`sequence with seed ${seed}`, { timeout: sequenceTimeoutMs }, async () => {
      const random = new SeededRandom(seed);
      const table: TableShape = { name: `differential-${seed}`, hasSortKey: random.chance(0.5) };
      const shape = table.hasSortKey
        ? { partitionKey: { name: "pk", type: "S" as const }, sortKey: { name: "sk", type: "N" as const } }
        : { partitionKey: { name: "pk", type: "S" as const } };
      await Promise.all([
        createTable(reference.client, table.name, shape),
        createTable(subject.client, table.name, shape),
      ]);
      const replay = `replay with DIFF_SEED=${seed} DIFF_SEQUENCES=1`;
      for (let step = 0; step < operationsPerSequence; step++) {
        const operation = generateOperation(random, table);
        const expected = await run(reference.client, operation);
        const actual = await run(subject.client, operation);
        expect(
          actual,
          `seed ${seed}, operation ${step}: ${operation.name} ${JSON.stringify(operation.input)} (${replay})`,
        ).toEqual(expected);
      }
      const finalScan: Operation = { name: "Scan", input: { TableName: table.name, ConsistentRead: true } };
      expect(
        await run(subject.client, finalScan),
        `seed ${seed}: table contents at the end (${replay})`,
      ).toEqual(await run(reference.client, finalScan));
    });
  }
});
