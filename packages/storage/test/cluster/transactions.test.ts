/**
 * Transactions across partition groups, through the front door: three storage nodes and a router as
 * real processes with four partition groups, driven by the AWS SDK (retries off). A transaction across
 * groups commits everywhere or nowhere, a failing condition in one group cancels it whole with
 * CancellationReasons, concurrent bank transfers across groups keep the total (checked by consistent
 * TransactGetItems snapshots during the load, too), and a group leader SIGKILLed in the middle of
 * transfers leaves no half-applied one. Locks left by a coordinator that died are resolved by the
 * groups' recovery, to an abort or to the commit recorded in the coordinator group's log.
 */
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupOfHash, initialGroupMap, partitionKeyHash } from "../../src/cluster/group-map.js";
import { createClient } from "../support/targets.js";
import {
  adminPartitions,
  createStringKeyTable,
  pollUntil,
  startTestCluster,
  type TestCluster,
} from "./cluster-processes.js";

const partitions = 4;
const table = "txn-table";
/** Attempts per transfer when it meets a conflict or a leader change. */
const maxTransferAttempts = 50;

let cluster: TestCluster;
let client: DynamoDBClient;

/** The initial groups of a cluster started with `partitions` (no split happens in these tests). */
const initialGroups = initialGroupMap(partitions, []);

function groupOf(key: string): number {
  const hash = partitionKeyHash({ partitionKey: { name: "pk", type: "S" } }, { pk: { S: key } })!;
  return initialGroups.indexOf(groupOfHash(initialGroups, hash)!);
}

/** `count` keys with `prefix`, spread so that every group gets at least one when count ≥ partitions. */
function keysAcrossGroups(prefix: string, count: number): string[] {
  const byGroup = new Map<number, string[]>();
  for (let index = 0; index < 1_000 && [...byGroup.values()].flat().length < count * partitions; index++) {
    const key = `${prefix}-${index}`;
    const keys = byGroup.get(groupOf(key)) ?? [];
    keys.push(key);
    byGroup.set(groupOf(key), keys);
  }
  const keys: string[] = [];
  for (let round = 0; keys.length < count; round++) {
    for (let group = 0; group < partitions && keys.length < count; group++) {
      const key = byGroup.get(group)?.[round];
      if (key) keys.push(key);
    }
  }
  return keys;
}

function keyInGroup(prefix: string, group: number): string {
  for (let index = 0; index < 1_000; index++) {
    if (groupOf(`${prefix}-${index}`) === group) return `${prefix}-${index}`;
  }
  throw new Error(`no key for group ${group}`);
}

async function consistentGet(key: string) {
  return (
    await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }))
  ).Item;
}

async function snapshotOf(keys: string[]) {
  const output = await client.send(
    new TransactGetItemsCommand({
      TransactItems: keys.map((key) => ({ Get: { TableName: table, Key: { pk: { S: key } } } })),
    }),
  );
  return (output.Responses ?? []).map((response) => response.Item);
}

function balanceTotal(items: ({ balance?: { N?: string } } | undefined)[]): number {
  return items.reduce((sum, item) => sum + Number(item?.balance?.N ?? Number.NaN), 0);
}

async function openAccounts(accounts: string[], balance: number): Promise<void> {
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: accounts.map((key) => ({
        Put: { TableName: table, Item: { pk: { S: key }, balance: { N: String(balance) } } },
      })),
    }),
  );
}

/** Moves `amount` from one account to another unless the source would go negative. */
function transfer(from: string, to: string, amount: number) {
  return new TransactWriteItemsCommand({
    TransactItems: [
      {
        Update: {
          TableName: table,
          Key: { pk: { S: from } },
          UpdateExpression: "SET balance = balance - :amount",
          ConditionExpression: "balance >= :amount",
          ExpressionAttributeValues: { ":amount": { N: String(amount) } },
        },
      },
      {
        Update: {
          TableName: table,
          Key: { pk: { S: to } },
          UpdateExpression: "SET balance = balance + :amount",
          ExpressionAttributeValues: { ":amount": { N: String(amount) } },
        },
      },
    ],
  });
}

interface LoadReport {
  committed: number;
  cancelled: number;
  unknown: number;
  snapshots: number;
  badSnapshots: number[];
}

/**
 * `workers` concurrent loops of `transfersEach` transfers between random accounts of different groups,
 * and one loop of TransactGetItems snapshots of all accounts whose total must always be `total`.
 */
async function transferLoad(
  accounts: string[],
  total: number,
  workers: number,
  transfersEach: number,
  during?: (report: LoadReport) => Promise<void>,
): Promise<LoadReport> {
  const report: LoadReport = { committed: 0, cancelled: 0, unknown: 0, snapshots: 0, badSnapshots: [] };
  let running = true;
  const worker = async (seed: number) => {
    for (let done = 0; done < transfersEach; done++) {
      const from = accounts[(seed + done * 7) % accounts.length]!;
      let to = accounts[(seed * 3 + done * 5 + 1) % accounts.length]!;
      if (groupOf(to) === groupOf(from)) {
        to = accounts.find((account) => groupOf(account) !== groupOf(from))!;
      }
      for (let attempt = 0; attempt < maxTransferAttempts; attempt++) {
        try {
          await client.send(transfer(from, to, 1 + ((seed + done) % 5)));
          report.committed++;
          break;
        } catch (error) {
          const name = (error as Error).name;
          if (name === "TransactionCanceledException") {
            const reasons =
              (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
            // An insufficient balance is an answer; a conflict is worth another try.
            if (reasons.some((reason) => reason.Code === "ConditionalCheckFailed")) {
              report.cancelled++;
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, 10 + ((seed * 37 + attempt * 53) % 90)));
            continue;
          }
          // Outcome unknown (the coordinator or a leader died): all or nothing, but which is unknown.
          report.unknown++;
          break;
        }
      }
    }
  };
  const snapshots = async () => {
    while (running) {
      try {
        const total = balanceTotal(await snapshotOf(accounts));
        report.snapshots++;
        if (total !== totalExpected) report.badSnapshots.push(total);
      } catch {
        // A conflict or a leader change: no snapshot this time.
      }
    }
  };
  const totalExpected = total;
  const reader = snapshots();
  await Promise.all([...Array.from({ length: workers }, (_, seed) => worker(seed)), during?.(report)]);
  running = false;
  await reader;
  return report;
}

beforeAll(async () => {
  cluster = await startTestCluster({ partitions, compactEvery: 50 });
  client = createClient(cluster.routerUrl);
  await pollUntil("a leader in every group", async () => {
    const view = await adminPartitions(cluster.routerUrl);
    return view.every((entry) => entry.leader !== undefined) ? true : undefined;
  });
  await createStringKeyTable(client, table);
});

afterAll(async () => {
  client?.destroy();
  await cluster?.stop();
});

describe("transactions across partition groups", () => {
  it("commits a transaction across every group whole: puts, updates and deletes", async () => {
    const keys = keysAcrossGroups("whole", 8);
    expect(new Set(keys.map(groupOf)).size).toBe(partitions);
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: keys[6]! }, n: { N: "5" } } }));
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: keys[7]! } } }));
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          ...keys.slice(0, 6).map((key) => ({ Put: { TableName: table, Item: { pk: { S: key } } } })),
          {
            Update: {
              TableName: table,
              Key: { pk: { S: keys[6]! } },
              UpdateExpression: "SET n = n + :one",
              ExpressionAttributeValues: { ":one": { N: "1" } },
            },
          },
          { Delete: { TableName: table, Key: { pk: { S: keys[7]! } } } },
        ],
      }),
    );
    for (const key of keys.slice(0, 6)) expect(await consistentGet(key)).toEqual({ pk: { S: key } });
    expect((await consistentGet(keys[6]!))?.n).toEqual({ N: "6" });
    expect(await consistentGet(keys[7]!)).toBeUndefined();
    expect(await snapshotOf(keys.slice(0, 2))).toEqual([{ pk: { S: keys[0] } }, { pk: { S: keys[1] } }]);
  });

  it("cancels the whole transaction with CancellationReasons when a condition fails in one group", async () => {
    const keys = keysAcrossGroups("cancel", 4);
    const failing = keys[2]!;
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: failing }, n: { N: "1" } } }));
    const error = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            ...keys.map((key) =>
              key === failing
                ? {
                    ConditionCheck: {
                      TableName: table,
                      Key: { pk: { S: key } },
                      ConditionExpression: "n = :two",
                      ExpressionAttributeValues: { ":two": { N: "2" } },
                      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
                    },
                  }
                : { Put: { TableName: table, Item: { pk: { S: key }, written: { BOOL: true } } } },
            ),
          ],
        }),
      )
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "TransactionCanceledException" });
    expect((error as { CancellationReasons: unknown }).CancellationReasons).toEqual(
      keys.map((key) =>
        key === failing
          ? {
              Code: "ConditionalCheckFailed",
              Message: "The conditional request failed",
              Item: { pk: { S: failing }, n: { N: "1" } },
            }
          : { Code: "None" },
      ),
    );
    for (const key of keys) expect((await consistentGet(key))?.written).toBeUndefined();
  });

  it("refuses bad input across groups whole: a missing table, one item twice", async () => {
    const keys = keysAcrossGroups("bad", 2);
    await expect(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: { S: keys[0]! } } } },
            { Put: { TableName: "no-such-table", Item: { pk: { S: keys[1]! } } } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: { S: keys[0]! } } } },
            { Put: { TableName: table, Item: { pk: { S: keys[1]! } } } },
            { Delete: { TableName: table, Key: { pk: { S: keys[0]! } } } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    for (const key of keys) expect(await consistentGet(key)).toBeUndefined();
  });

  it("never commits two conflicting transfers: the total stays constant, in every snapshot too", async () => {
    const accounts = keysAcrossGroups("account", 8);
    await openAccounts(accounts, 100);
    const report = await transferLoad(accounts, 800, 4, 10);
    expect(report.committed).toBeGreaterThan(0);
    expect(report.unknown).toBe(0);
    expect(report.badSnapshots).toEqual([]);
    expect(balanceTotal(await snapshotOf(accounts))).toBe(800);
    const balances = await Promise.all(accounts.map(consistentGet));
    expect(balanceTotal(balances)).toBe(800);
    expect(balances.every((item) => Number(item?.balance?.N) >= 0)).toBe(true);
  });

  it("reads transfers whole in TransactGetItems across groups: every pair keeps its sum in every snapshot", async () => {
    const pairs = [0, 1, 2, 3].map((group) => [
      keyInGroup(`pair-${group}-from`, group),
      keyInGroup(`pair-${group}-to`, (group + 1) % partitions),
    ]) as [string, string][];
    await openAccounts(pairs.flat(), 100);
    let running = true;
    const mover = async ([from, to]: [string, string], seed: number) => {
      for (let round = 0; round < 12; round++) {
        const [source, target] = round % 2 === 0 ? [from, to] : [to, from];
        await client.send(transfer(source, target, 1 + ((seed + round) % 7))).catch(() => undefined);
      }
    };
    const sums: number[] = [];
    const reader = async () => {
      for (let read = 0; running && read < 1_000; read++) {
        const chosen = [pairs[read % 4]!, pairs[(read + 1) % 4]!].flat();
        const items = await snapshotOf(chosen).catch(() => undefined);
        if (items) sums.push(balanceTotal(items));
      }
    };
    const reading = reader();
    await Promise.all(pairs.map((pair, seed) => mover(pair, seed)));
    running = false;
    await reading;
    expect(sums.length).toBeGreaterThan(0);
    expect(sums.filter((sum) => sum !== 400)).toEqual([]);
  });

  it("refuses writes to a key a transaction locked, and recovery aborts a lock whose coordinator went silent", async () => {
    const key = keyInGroup("locked", 1);
    const other = keyInGroup("locked", 2);
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: key }, v: { N: "1" } } }));
    // A coordinator that locks and then dies: the lock call through the internal API, nothing after.
    await lockThroughInternalApi(1, "silent-coordinator", 0, key);
    await expect(
      client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: key }, v: { N: "2" } } })),
    ).rejects.toMatchObject({ name: "TransactionConflictException" });
    const cancelled = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk: { S: other } } } },
            { Put: { TableName: table, Item: { pk: { S: key }, v: { N: "3" } } } },
          ],
        }),
      )
      .catch((caught: unknown) => caught);
    expect(cancelled).toMatchObject({
      name: "TransactionCanceledException",
      CancellationReasons: [
        { Code: "None" },
        { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" },
      ],
    });
    await expect(snapshotOf([other, key])).rejects.toMatchObject({ name: "TransactionCanceledException" });
    expect(await consistentGet(other)).toBeUndefined();
    // Recovery: the coordinator group records an abort, and the lock goes.
    await pollUntil("the silent coordinator's lock to be aborted", async () => {
      await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: key }, v: { N: "4" } } }));
      return true;
    });
    expect((await consistentGet(key))?.v).toEqual({ N: "4" });
  });

  it("finishes a transaction whose coordinator died after recording its commit", async () => {
    const first = keyInGroup("decided", 0);
    const second = keyInGroup("decided", 3);
    const txId = "decided-then-silent";
    await lockThroughInternalApi(0, txId, 0, first);
    await lockThroughInternalApi(3, txId, 0, second);
    const tableId = await tableIdOf(table);
    await internalCall(0, "decide", {
      group: 0,
      txId,
      outcome: "commit",
      metaIndex: 0,
      writes: {
        "0": [{ table, tableId, item: { pk: { S: first }, from: { S: txId } } }],
        "3": [{ table, tableId, item: { pk: { S: second }, from: { S: txId } } }],
      },
    });
    expect(await consistentGet(first)).toBeUndefined();
    const items = await pollUntil("recovery to apply the recorded commit", async () => {
      const read = await snapshotOf([first, second]);
      return read.every((item) => item !== undefined) ? read : undefined;
    });
    expect(items).toEqual([
      { pk: { S: first }, from: { S: txId } },
      { pk: { S: second }, from: { S: txId } },
    ]);
  });

  it("leaves no half-applied transfer when a group leader is SIGKILLed in the middle of transfers", async () => {
    const accounts = keysAcrossGroups("survivor", 8);
    await openAccounts(accounts, 50);
    const victim = (await adminPartitions(cluster.routerUrl)).find((entry) => entry.id === "p1")!.leader!;
    const report = await transferLoad(accounts, 400, 4, 25, async (progress) => {
      await pollUntil("some transfers before the kill", async () =>
        progress.committed >= 10 ? true : undefined,
      );
      await cluster.kill(victim);
    });
    expect(report.committed).toBeGreaterThan(0);
    await cluster.restart(victim);
    // After recovery every lock is resolved: a snapshot of all accounts succeeds and keeps the total.
    const total = await pollUntil("a snapshot of every account after recovery", async () =>
      balanceTotal(await snapshotOf(accounts)),
    );
    expect(total).toBe(400);
    const balances = await Promise.all(accounts.map(consistentGet));
    expect(balanceTotal(balances)).toBe(400);
    expect(report.badSnapshots).toEqual([]);
  });

  it("decides single-group conditional writes as before", async () => {
    const key = keyInGroup("single", 2);
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: key }, v: { N: "1" } } }));
    await expect(
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: key }, v: { N: "2" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect((await consistentGet(key))?.v).toEqual({ N: "1" });
  });
});

async function tableIdOf(name: string): Promise<string> {
  const output = await client.send(new DescribeTableCommand({ TableName: name }));
  return output.Table!.TableId!;
}

/** Calls a group's leader through the nodes' internal API, following leader changes. */
async function internalCall(group: number, call: string, body: unknown): Promise<unknown> {
  return pollUntil(`the ${call} call to p${group}`, async () => {
    const leader = (await adminPartitions(cluster.routerUrl)).find(
      (entry) => entry.id === `p${group}`,
    )?.leader;
    const url = leader === undefined ? undefined : cluster.nodes.get(leader)?.url;
    if (url === undefined) return undefined;
    const response = await fetch(`${url}/cluster/txn/${call}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`${call} answered ${response.status}`);
    return response.json();
  });
}

async function lockThroughInternalApi(group: number, txId: string, coordinator: number, key: string) {
  const tableId = await tableIdOf(table);
  await internalCall(group, "lock", {
    group,
    txId,
    coordinator,
    metaIndex: 0,
    keys: [{ table, tableId, key: { pk: { S: key } } }],
  });
}
