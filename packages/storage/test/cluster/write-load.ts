/**
 * A write load for fault tests, and the checks that follow it. Several writers put items through the
 * AWS SDK at once, each its own keys (`w<writer>-<n>`, value n), and the load remembers every write
 * the store acknowledged, every error a client saw, and when each request started and ended, so that
 * a test can compare latency before, during and after a fault.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";

/** Writes one writer makes at most, so that a load left running still ends. */
const maxWritesPerWriter = 20_000;
/** Pause between checks of the load's progress. Milliseconds. */
const progressPollMs = 25;
/** Concurrent ConsistentRead requests of the read-back check. */
const readBackConcurrency = 16;
/** Pages of a node's local Scan read at most (1 MB each). */
const maxScanPages = 100;

export interface TimedRequest {
  startedAt: number;
  endedAt: number;
}

export interface WriteLoad {
  /** Key → value of every write the store acknowledged. */
  readonly acknowledged: ReadonlyMap<string, number>;
  /** Every error a writer saw, with the key it was writing. */
  readonly errors: readonly { key: string; error: unknown }[];
  readonly requests: readonly TimedRequest[];
  /** Resolves once `count` writes are acknowledged in all; fails after `timeoutMs` without them. */
  untilAcknowledged(count: number, timeoutMs: number): Promise<void>;
  /** Stops every writer after its current request and waits for them. */
  stop(): Promise<void>;
}

export function startWriteLoad(client: DynamoDBClient, table: string, writers: number): WriteLoad {
  const acknowledged = new Map<string, number>();
  const errors: { key: string; error: unknown }[] = [];
  const requests: TimedRequest[] = [];
  let stopping = false;
  const writeAll = async (writer: number) => {
    for (let n = 0; !stopping && n < maxWritesPerWriter; n++) {
      const key = `w${writer}-${n}`;
      const startedAt = performance.now();
      try {
        await client.send(
          new PutItemCommand({ TableName: table, Item: { pk: { S: key }, value: { N: String(n) } } }),
        );
        acknowledged.set(key, n);
      } catch (error) {
        errors.push({ key, error });
      }
      requests.push({ startedAt, endedAt: performance.now() });
    }
  };
  const running = Promise.all(Array.from({ length: writers }, (_, writer) => writeAll(writer)));
  return {
    acknowledged,
    errors,
    requests,
    async untilAcknowledged(count, timeoutMs) {
      for (let waited = 0; acknowledged.size < count; waited += progressPollMs) {
        if (waited > timeoutMs) {
          throw new Error(`only ${acknowledged.size} of ${count} writes acknowledged after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, progressPollMs));
      }
    },
    async stop() {
      stopping = true;
      await running;
    },
  };
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1)] ?? Number.NaN;
}

/**
 * p50 and p99 latency of the requests that ended before `faultAt`, of those in flight at any time
 * between `faultAt` and `recoveredAt`, and of those that started after `recoveredAt`, as one line.
 */
export function latencyByPhase(
  requests: readonly TimedRequest[],
  faultAt: number,
  recoveredAt: number,
): string {
  const phases = {
    before: requests.filter((request) => request.endedAt < faultAt),
    during: requests.filter((request) => request.endedAt >= faultAt && request.startedAt < recoveredAt),
    after: requests.filter((request) => request.startedAt >= recoveredAt),
  };
  return Object.entries(phases)
    .map(([phase, list]) => {
      const sorted = list.map((request) => request.endedAt - request.startedAt).sort((a, b) => a - b);
      const p50 = percentile(sorted, 0.5).toFixed(1);
      const p99 = percentile(sorted, 0.99).toFixed(1);
      return `${phase}: ${list.length} writes, p50 ${p50} ms, p99 ${p99} ms`;
    })
    .join("; ");
}

/** The acknowledged writes a ConsistentRead through the router does not return as written. */
export async function unreadableWrites(
  client: DynamoDBClient,
  table: string,
  acknowledged: ReadonlyMap<string, number>,
): Promise<string[]> {
  const keys = [...acknowledged.keys()];
  const wrong: string[] = [];
  const readSome = async (worker: number) => {
    for (let index = worker; index < keys.length; index += readBackConcurrency) {
      const key = keys[index]!;
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }),
      );
      if (Item?.value?.N !== String(acknowledged.get(key))) wrong.push(`${key}: ${JSON.stringify(Item)}`);
    }
  };
  await Promise.all(Array.from({ length: readBackConcurrency }, (_, worker) => readSome(worker)));
  return wrong;
}

/**
 * The items a node's own engine holds, key → `value` attribute: a Scan sent to the node's internal API
 * without a read barrier answers from what that node has applied, nothing else.
 */
export async function nodeItems(nodeUrl: string, table: string): Promise<Map<string, string | undefined>> {
  const held = new Map<string, string | undefined>();
  let startKey: unknown;
  for (let page = 0; page < maxScanPages; page++) {
    const response = await fetch(`${nodeUrl}/cluster/dynamodb`, {
      method: "POST",
      headers: { "x-amz-target": "Scan" },
      body: JSON.stringify({ TableName: table, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    });
    if (response.status !== 200)
      throw new Error(`local Scan answered ${response.status}: ${await response.text()}`);
    const output = (await response.json()) as {
      Items: { pk: { S: string }; value?: { N: string } }[];
      LastEvaluatedKey?: unknown;
    };
    for (const item of output.Items) held.set(item.pk.S, item.value?.N);
    startKey = output.LastEvaluatedKey;
    if (startKey === undefined) return held;
  }
  throw new Error(`the local Scan did not end within ${maxScanPages} pages`);
}

/** The acknowledged writes a node's own engine does not hold (see `nodeItems`). */
export async function writesMissingOnNode(
  nodeUrl: string,
  table: string,
  acknowledged: ReadonlyMap<string, number>,
): Promise<string[]> {
  const held = await nodeItems(nodeUrl, table);
  return [...acknowledged]
    .filter(([key, value]) => held.get(key) !== String(value))
    .map(([key]) => `${key}: ${held.get(key) ?? "missing"}`);
}
