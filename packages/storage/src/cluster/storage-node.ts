/**
 * A storage node: hosts one replica of the metadata group and of every partition group, applies them
 * to a local `StorageEngine`, drives their clocks, and serves the cluster's internal HTTP API:
 *
 * - `POST /cluster/raft`: Raft message batches from the other nodes;
 * - `POST /cluster/dynamodb`: a DynamoDB request the router already authenticated (`x-amz-target`
 *   names the operation), run by the existing operations against this node's `ReplicatedStore`;
 * - `POST /cluster/read-index`: on a group's leader, a confirmed read index for a follower's read;
 * - `POST /cluster/txn/{lock,decide,finish,forget}`: on a group's leader, a transaction coordinator's
 *   calls (see README.md, "Transactions across partition groups");
 * - `GET /cluster/status`, `GET /cluster/tables`, `GET /healthz`, `GET /metrics`.
 *
 * The internal API trusts its callers: bind it to a private network (see README.md).
 */
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StorageMetrics } from "../api/metrics.js";
import { type OperationName, operations } from "../api/operations/index.js";
import { type ItemStore, locateItem, StorageEngine } from "../engine/index.js";
import { DynamoError } from "../errors.js";
import { RaftNode, type RaftStatus, type RaftStorageState } from "../replication/index.js";
import {
  ClusterBusyError,
  ClusterConfigError,
  ClusterTimeoutError,
  LockConflictError,
  NotLeaderError,
  OutcomeUnknownError,
  ProposalDroppedError,
} from "./errors.js";
import { maxPartitionGroups, metaGroup, partitionGroupName, partitionIndexOf } from "./partition-groups.js";
import { RaftDisk } from "./raft-disk.js";
import { Replica } from "./replica.js";
import { ReplicatedStore } from "./replicated-store.js";
import { registerReplicationMetrics } from "./replication-metrics.js";
import { CatalogStateMachine, PartitionStateMachine } from "./state-machines.js";
import {
  type TransactionCallName,
  TransactionCallsClient,
  transactionCallPath,
} from "./transaction-calls.js";
import { transactionConflict } from "./transaction-conflicts.js";
import { TransactionParticipant } from "./transaction-participant.js";
import { nodeAddress, PeerTransport, raftMessagesPath, requestNode } from "./transport.js";
import { decodeBatch } from "./wire.js";

export interface StorageNodeOptions {
  nodeId: string;
  /** Availability zone label, reported in the admin view. */
  zone: string;
  /** Every node of the cluster (this one included), id → base URL of its internal API. */
  peers: ReadonlyMap<string, string>;
  port: number;
  /** Interface to bind. Default "127.0.0.1". */
  host?: string;
  dataDir: string;
  /** Partition groups of the cluster; the same on every node, for the life of the data. Default 1. */
  partitions?: number;
  /** Raft tick. Default 50 ms (see the replication README: new leader within 2 s at p99). */
  tickMs?: number;
  /** Applied entries between log compactions per group. Default 10000. */
  compactEveryEntries?: number;
}

export interface StorageNode {
  url: string;
  port: number;
  /** Stops serving and ticking; persisted state stays for the next start. */
  close(): Promise<void>;
}

/** The status one node reports per group, for routers and the admin view. */
export interface GroupStatus extends Omit<RaftStatus, "vote"> {
  group: string;
}

export interface NodeStatus {
  nodeId: string;
  zone: string;
  partitions: number;
  groups: GroupStatus[];
}

/**
 * One partition group by default: every DynamoDB operation then works as on a single node. More
 * groups spread leaders (and write load) over the nodes; a transaction across groups then costs a
 * two-phase commit (see README.md).
 */
export const defaultPartitions = 1;
export const defaultTickMs = 50;
/** Largest internal request body: a snapshot of a partition travels in one Raft message. */
export const maxInternalBodyBytes = 256 * 1024 * 1024;
/** Largest DynamoDB request body, as the single-node server. */
const maxDynamoBodyBytes = 16 * 1024 * 1024;
const errorTypePrefix = "com.amazonaws.dynamodb.v20120810#";
/** Attempts at a consistent TransactGetItems snapshot before it is cancelled as a conflict. */
const maxSnapshotAttempts = 10;
/** Pause before the n-th new attempt: n times this. Milliseconds. */
const snapshotRetryPauseMs = 20;
/** How often a node looks for transaction locks whose coordinator went silent. Milliseconds. */
const lockRecoveryIntervalMs = 1_000;
/** Time a follower's read-index request to the leader may stay unanswered. */
const readIndexRequestTimeoutMs = 5_000;
/** Connections kept to each other node for read-index requests; more requests wait for one. */
const maxReadIndexConnectionsPerPeer = 16;
/** Largest answer to a read-index request (a small JSON object). */
const maxReadIndexResponseBytes = 4096;

/**
 * A request carrying this header is validated as usual but writes nothing: it answers 200 `{}` where
 * it would have proposed its writes. The router checks a BatchWriteItem this way before splitting it
 * between partition groups, so that one bad item refuses the whole batch.
 */
export const validateOnlyHeader = "x-hakobune-validate-only";
/**
 * Set by the router on eventually consistent reads when it promises read-your-writes (its default):
 * the node then waits for a read barrier as for a consistent read, so a client never reads older data
 * than it wrote, whichever node answers.
 */
export const readYourWritesHeader = "x-hakobune-read-your-writes";

/** Raised inside a validate-only request where the writes would be proposed. */
class ValidationPassed extends Error {}

/** Operations that read the catalog, answered after a metadata read index (linearizable). */
const catalogReads = new Set(["DescribeTable", "ListTables"]);

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.destroy();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { "content-type": "application/json", "content-length": payload.length });
  response.end(payload);
}

/** The coordinator calls the internal API serves under `transactionCallPath`. */
const transactionCalls = new Set<string>(["lock", "decide", "finish", "forget"]);

/** Reads of items that may be answered by any replica. */
const itemReads = new Set(["GetItem", "Query", "Scan", "BatchGetItem"]);

function wantsConsistentRead(operation: string, input: Record<string, unknown>): boolean {
  if (operation === "TransactGetItems") return true;
  if (operation === "BatchGetItem") {
    const requests = Object.values(
      (input.RequestItems as Record<string, { ConsistentRead?: unknown }>) ?? {},
    );
    return requests.some((request) => request?.ConsistentRead === true);
  }
  return input.ConsistentRead === true;
}

/** Opens the node's stores, restores its replicas and starts serving. */
export async function startStorageNode(options: StorageNodeOptions): Promise<StorageNode> {
  const partitions = options.partitions ?? defaultPartitions;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > maxPartitionGroups) {
    throw new ClusterConfigError(
      `partitions must be an integer in [1, ${maxPartitionGroups}], got ${partitions}`,
    );
  }
  if (!options.peers.has(options.nodeId)) {
    throw new ClusterConfigError(`the peers must include this node (${options.nodeId})`);
  }
  const peerIds = [...options.peers.keys()].sort();
  const disk = await RaftDisk.open(join(options.dataDir, "raft"));
  await disk.checkShape({ nodeId: options.nodeId, peers: peerIds, partitions });
  const engine = await StorageEngine.open({
    dataDir: join(options.dataDir, "items"),
    initialPartitionsPerTable: partitions,
  });
  const others = new Map([...options.peers].filter(([id]) => id !== options.nodeId));
  const transport = new PeerTransport({ nodeId: options.nodeId, peerUrls: others });
  const readIndexAgent = new Agent({ keepAlive: true, maxSockets: maxReadIndexConnectionsPerPeer });
  const peerAddresses = new Map([...others].map(([id, url]) => [id, nodeAddress(url)]));
  const metrics = new StorageMetrics(engine);
  let server: Server | undefined;

  const onFatal = (error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: "fatal", node: options.nodeId, error: String((error as Error)?.stack ?? error) })}\n`,
    );
    process.exit(70);
  };
  const createReplica = (
    group: string,
    stateMachine: CatalogStateMachine | PartitionStateMachine,
    storage: RaftStorageState = disk.load(group),
  ) =>
    new Replica({
      group,
      node: new RaftNode({
        id: options.nodeId,
        peers: peerIds,
        random: Math.random,
        storage,
      }),
      disk,
      stateMachine,
      send: (messages) => transport.send(group, messages),
      onFatal,
      ...(options.compactEveryEntries !== undefined
        ? { compactEveryEntries: options.compactEveryEntries }
        : {}),
    });

  const meta = createReplica(metaGroup, new CatalogStateMachine(engine));
  const partitionReplicas: Replica[] = [];
  const machines: PartitionStateMachine[] = [];
  for (let index = 0; index < partitions; index++) {
    const machine = new PartitionStateMachine({
      engine,
      partitionIndex: index,
      partitions,
      metaAppliedIndex: () => meta.appliedIndex,
      waitForMeta: async (metaIndex) => {
        // A replica whose catalog lags waits for it rather than drop writes to a table it lacks.
        while (meta.appliedIndex < metaIndex) {
          await meta.waitApplied(metaIndex).catch(() => undefined);
        }
      },
    });
    const stored = disk.load(partitionGroupName(index));
    machine.restore(stored);
    machines.push(machine);
    partitionReplicas.push(createReplica(partitionGroupName(index), machine, stored));
  }
  const groups = new Map<string, Replica>([
    [metaGroup, meta],
    ...partitionReplicas.map((r) => [r.group, r] as const),
  ]);
  const participant = new TransactionParticipant({
    engine,
    meta,
    partitions: partitionReplicas,
    machines,
  });
  const calls = new TransactionCallsClient({
    nodeId: options.nodeId,
    peers: options.peers,
    participant,
    partitions: partitionReplicas,
  });
  const storeOptions = { engine, meta, partitions: partitionReplicas, participant, calls };
  const store = new ReplicatedStore(storeOptions);
  /** For TransactWriteItems: a locked item cancels the call with a reason per action. */
  const transactionStore = new ReplicatedStore({ ...storeOptions, conflictsAsCancellation: true });
  registerReplicationMetrics(metrics.registry, [...groups.values()]);

  /** Waits until this replica has applied everything committed when the call began (read index). */
  async function readBarrier(replica: Replica): Promise<void> {
    let index: number;
    if (replica.status().role === "leader") {
      index = await replica.readIndex();
    } else {
      const leader = replica.leaderId;
      const address = leader === undefined ? undefined : peerAddresses.get(leader);
      if (address === undefined) throw new NotLeaderError(replica.group, undefined);
      const response = await requestNode(readIndexAgent, address, {
        method: "POST",
        path: "/cluster/read-index",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ group: replica.group }),
        timeoutMs: readIndexRequestTimeoutMs,
        maxResponseBytes: maxReadIndexResponseBytes,
      }).answer.catch(() => undefined);
      let answer: { index?: number } | undefined;
      try {
        answer = response?.status === 200 ? (JSON.parse(response.body) as { index?: number }) : undefined;
      } catch {
        answer = undefined;
      }
      if (typeof answer?.index !== "number") {
        throw new NotLeaderError(replica.group, leader);
      }
      index = answer.index;
    }
    await replica.waitApplied(index);
  }

  /**
   * TransactGetItems as one consistent snapshot of every group it reads: after read barriers on all
   * groups, it reads its items in one synchronous step, refusing (and retrying) when one is locked by
   * a transaction in progress; when it read several groups, a second round of read barriers must then
   * show that none of its items changed or was locked after the index this node had applied when it
   * read (a transaction half visible here would have locked the other half before that second round).
   */
  async function readTransactionSnapshot(input: Record<string, unknown>): Promise<unknown> {
    let locked: number[] = [];
    let reads = 0;
    for (let attempt = 0; attempt < maxSnapshotAttempts; attempt++) {
      if (attempt > 0) await sleep(snapshotRetryPauseMs * attempt);
      await Promise.all([meta, ...partitionReplicas].map((replica) => readBarrier(replica)));
      const appliedAt = partitionReplicas.map((replica) => replica.appliedIndex);
      const read: { group: number; itemKey: string }[] = [];
      const readingStore: ItemStore = {
        ...validatingStore,
        getItem: (table, key) => {
          const location = locateItem(table, key);
          read.push({
            group: partitionIndexOf(location.hash, partitions),
            itemKey: location.key.toString("latin1"),
          });
          return store.getItem(table, key);
        },
      };
      const output = await operations.TransactGetItems({ engine: readingStore, metrics }, input);
      reads = read.length;
      locked = read.flatMap(({ group, itemKey }, position) =>
        machines[group]!.transactions.lockHolder(itemKey) === undefined ? [] : [position],
      );
      if (locked.length > 0) continue;
      const groupsRead = new Set(read.map(({ group }) => group));
      if (groupsRead.size <= 1) return output;
      await Promise.all([...groupsRead].map((group) => readBarrier(partitionReplicas[group]!)));
      locked = read.flatMap(({ group, itemKey }, position) =>
        machines[group]!.mayHaveChangedAfter(itemKey, appliedAt[group]!) ? [position] : [],
      );
      if (locked.length === 0) return output;
    }
    throw transactionConflict(locked, reads, true);
  }

  /** The store for a validate-only request: everything as usual, except that no write is proposed. */
  const validatingStore: ItemStore = {
    getTable: (name) => store.getTable(name),
    listTableNames: () => store.listTableNames(),
    tableStats: (name) => store.tableStats(name),
    getItem: (table, key) => store.getItem(table, key),
    query: (...args) => store.query(...args),
    scan: (...args) => store.scan(...args),
    createTable: async () => Promise.reject(new ValidationPassed()),
    updateTableDefinition: async () => Promise.reject(new ValidationPassed()),
    deleteTable: async () => Promise.reject(new ValidationPassed()),
    transact: async () => Promise.reject(new ValidationPassed()),
  };

  async function runOperation(
    operation: OperationName,
    input: Record<string, unknown>,
    validateOnly: boolean,
    readYourWrites = false,
  ): Promise<unknown> {
    if (validateOnly) {
      try {
        return await operations[operation]({ engine: validatingStore, metrics }, input);
      } catch (error) {
        if (error instanceof ValidationPassed) return {};
        throw error;
      }
    }
    const run = () => {
      if (operation === "TransactGetItems") return readTransactionSnapshot(input);
      const engine = operation === "TransactWriteItems" ? transactionStore : store;
      return operations[operation]({ engine, metrics }, input);
    };
    if (catalogReads.has(operation)) await readBarrier(meta);
    else if (operation !== "TransactGetItems" && wantsConsistentRead(operation, input)) {
      await Promise.all([meta, ...partitionReplicas].map((replica) => readBarrier(replica)));
    } else if (readYourWrites && itemReads.has(operation)) {
      // A leader answers a write only after applying it, so a leader that has caught up with its term
      // already holds every acknowledged write of its group: only the other groups need a barrier.
      await Promise.all(
        partitionReplicas.filter((replica) => !replica.isWriteReady()).map((replica) => readBarrier(replica)),
      );
    }
    try {
      return await run();
    } catch (error) {
      // The table may exist already on the metadata leader while this node's catalog lags: catch up
      // once and run the request again (nothing was written: the table check comes first).
      if (!(error instanceof DynamoError) || error.type !== "ResourceNotFoundException") throw error;
      if (catalogReads.has(operation)) throw error;
      const before = meta.appliedIndex;
      await readBarrier(meta);
      if (meta.appliedIndex === before) throw error;
      return run();
    }
  }

  async function handleDynamo(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = process.hrtime.bigint();
    const operation = String(request.headers["x-amz-target"] ?? "");
    let table = "";
    let outcome = "ok";
    try {
      if (!Object.hasOwn(operations, operation)) {
        throw new DynamoError("UnknownOperationException", "An unknown operation was requested.");
      }
      const body = await readBody(request, maxDynamoBodyBytes);
      const input = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      if (typeof input.TableName === "string") table = input.TableName;
      const validateOnly = request.headers[validateOnlyHeader] === "1";
      const readYourWrites = request.headers[readYourWritesHeader] === "1";
      const output = await runOperation(operation as OperationName, input, validateOnly, readYourWrites);
      sendJson(response, 200, output);
    } catch (error) {
      if (error instanceof NotLeaderError || error instanceof ProposalDroppedError) {
        outcome = "NotLeader";
        const group = error instanceof NotLeaderError ? error.group : undefined;
        const leaderHint = error instanceof NotLeaderError ? error.leaderHint : undefined;
        sendJson(response, 421, { code: error.code, message: error.message, group, leaderHint });
      } else if (error instanceof ClusterBusyError) {
        outcome = "Busy";
        sendJson(response, 503, { code: error.code, message: error.message });
      } else if (error instanceof DynamoError) {
        outcome = error.type;
        sendJson(response, error.status, {
          __type: errorTypePrefix + error.type,
          message: error.message,
          ...(error.extra ?? {}),
        });
      } else {
        outcome = "InternalServerError";
        process.stderr.write(
          `${JSON.stringify({ level: "error", node: options.nodeId, operation, error: String(error) })}\n`,
        );
        sendJson(response, 500, { __type: `${errorTypePrefix}InternalServerError`, message: String(error) });
      }
    } finally {
      metrics.observe(operation, table, outcome, Number(process.hrtime.bigint() - startedAt) / 1e9);
    }
  }

  async function handleReadIndex(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { group } = JSON.parse((await readBody(request, 4096)).toString("utf8")) as { group?: string };
    const replica = group === undefined ? undefined : groups.get(group);
    if (!replica) return sendJson(response, 404, { code: "NO_SUCH_GROUP", message: `no group ${group}` });
    try {
      sendJson(response, 200, { index: await replica.readIndex() });
    } catch (error) {
      const leaderHint = error instanceof NotLeaderError ? error.leaderHint : undefined;
      sendJson(response, 421, { code: "NOT_LEADER", message: String(error), leaderHint });
    }
  }

  /** `POST /cluster/txn/<call>`: a coordinator's call on this node as a group's leader. */
  async function handleTransactionCall(
    name: TransactionCallName,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const body = JSON.parse((await readBody(request, maxDynamoBodyBytes)).toString("utf8")) as never;
    try {
      const call = participant[name] as (request: never) => Promise<unknown>;
      sendJson(response, 200, (await call.call(participant, body)) ?? {});
    } catch (error) {
      if (error instanceof LockConflictError) {
        sendJson(response, 409, { code: error.code, message: error.message, positions: error.positions });
      } else if (error instanceof NotLeaderError || error instanceof ProposalDroppedError) {
        const leaderHint = error instanceof NotLeaderError ? error.leaderHint : undefined;
        sendJson(response, 421, { code: error.code, message: error.message, leaderHint });
      } else if (
        error instanceof ClusterBusyError ||
        error instanceof ClusterTimeoutError ||
        error instanceof OutcomeUnknownError
      ) {
        sendJson(response, 503, { code: error.code, message: error.message });
      } else if (error instanceof DynamoError) {
        sendJson(response, error.status, { __type: errorTypePrefix + error.type, message: error.message });
      } else {
        sendJson(response, 500, { code: "INTERNAL", message: String(error) });
      }
    }
  }

  async function handleRaft(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const batch = decodeBatch((await readBody(request, maxInternalBodyBytes)).toString("utf8"));
    for (const { group, message } of batch.messages) {
      if (message.to !== options.nodeId || message.from !== batch.from) continue;
      groups.get(group)?.step(message);
    }
    response.writeHead(204).end();
  }

  function status(): NodeStatus {
    return {
      nodeId: options.nodeId,
      zone: options.zone,
      partitions,
      groups: [...groups.values()].map((replica) => {
        const { vote: _vote, ...rest } = replica.status();
        return { group: replica.group, ...rest };
      }),
    };
  }

  server = createServer((request, response) => {
    const route = `${request.method} ${request.url}`;
    const handle = async () => {
      if (route === `POST ${raftMessagesPath}`) return handleRaft(request, response);
      if (route === "POST /cluster/dynamodb") return handleDynamo(request, response);
      if (route === "POST /cluster/read-index") return handleReadIndex(request, response);
      const call = request.method === "POST" ? request.url?.slice(transactionCallPath.length) : undefined;
      if (request.url?.startsWith(transactionCallPath) && call !== undefined && transactionCalls.has(call)) {
        return handleTransactionCall(call as TransactionCallName, request, response);
      }
      if (route === "GET /cluster/status") return sendJson(response, 200, status());
      if (route === "GET /cluster/tables") {
        const tables = engine
          .listTableNames()
          .map((name) => ({ name, keySchema: engine.getTable(name)!.keySchema }));
        return sendJson(response, 200, { partitions, tables });
      }
      if (route === "GET /healthz") return sendJson(response, 200, { status: "ok" });
      if (route === "GET /metrics") {
        const text = await metrics.render();
        response.writeHead(200, { "content-type": metrics.contentType }).end(text);
        return;
      }
      sendJson(response, 404, { error: { code: "NOT_FOUND", message: `No route for ${route}.` } });
    };
    handle().catch((error: unknown) => {
      if (response.headersSent) return;
      const status = error instanceof BodyTooLargeError ? 413 : 400;
      sendJson(response, status, { error: { code: "BAD_REQUEST", message: String(error) } });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server!.once("error", reject);
    server!.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const tickMs = options.tickMs ?? defaultTickMs;
  const ticker = setInterval(() => {
    for (const replica of groups.values()) replica.tick();
  }, tickMs);
  const lockRecovery = setInterval(
    () => participant.recoverStaleLocks(calls, Date.now()),
    lockRecoveryIntervalMs,
  );
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${address.port}`,
    port: address.port,
    async close() {
      clearInterval(ticker);
      clearInterval(lockRecovery);
      await Promise.all([...groups.values()].map((replica) => replica.close()));
      transport.close();
      readIndexAgent.destroy();
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server!.closeAllConnections();
      await closed;
      await engine.close();
      await disk.close();
    },
  };
}
