/**
 * A storage node: hosts the replicas the partition map places on it (of the metadata group and of
 * item groups), applies them to a local `StorageEngine`, drives their clocks, splits the groups it
 * leads that outgrow `splitBytes` and starts the groups split off (see README.md, "Online splits"),
 * heals while it leads the metadata group (see README.md, "Healing"), and serves the cluster's
 * internal HTTP API:
 *
 * - `POST /cluster/raft`: Raft message batches from the other nodes;
 * - `POST /cluster/dynamodb`: a DynamoDB request the router already authenticated (`x-amz-target`
 *   names the operation), run by the existing operations against this node's `ReplicatedStore`;
 * - `POST /cluster/read-index`: on a group's leader, a confirmed read index for a follower's read;
 * - `POST /cluster/txn/{lock,decide,finish,forget}`: on a group's leader, a transaction coordinator's
 *   calls (see README.md, "Transactions across partition groups");
 * - `POST /cluster/groups/<group>/join`: start a joining replica of a group (peers: []), for healing;
 * - `POST /cluster/groups/<group>/config`: on a group's leader, one membership change (healing);
 * - `POST /cluster/groups/<group>/leave`: drop a replica its group's committed configuration removed;
 * - `GET /cluster/status`, `GET /cluster/tables` (with the partition map), `GET /healthz`, `GET /metrics`.
 *
 * The internal API trusts its callers: bind it to a private network (see README.md).
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Counter } from "prom-client";
import { StorageMetrics } from "../api/metrics.js";
import { type OperationName, operations } from "../api/operations/index.js";
import { queryPartitionKey } from "../api/operations/reads.js";
import { SerializedOutput } from "../api/serialized-output.js";
import { type ItemStore, locateItem, StorageEngine } from "../engine/index.js";
import { DynamoError } from "../errors.js";
import type { HttpProtocolError } from "../http/errors.js";
import { type Exchange, Http1Server } from "../http/http1-server.js";
import type { ParsedRequest } from "../http/request-parser.js";
import { type ConfigChange, RaftNode, type RaftStatus, type RaftStorageState } from "../replication/index.js";
import type { Item } from "../values/types.js";
import { encodeCommand } from "./commands.js";
import {
  ClusterBusyError,
  ClusterConfigError,
  ClusterTimeoutError,
  GroupSplittingError,
  LockConflictError,
  NotLeaderError,
  OutcomeUnknownError,
  ProposalDroppedError,
  WrongGroupError,
} from "./errors.js";
import {
  type GroupRecord,
  initialGroupMap,
  mergeGroupRecords,
  splitGroupName,
  splitMidpoint,
} from "./group-map.js";
import { alignEnginePartitions, groupSizeBytes } from "./group-sizes.js";
import { Healer, healingCheckIntervalMs } from "./healing.js";
import { HostedGroups } from "./hosted-groups.js";
import { rpcPreface, serveRpcConnection } from "./node-rpc.js";
import { maxPartitionGroups, metaGroup } from "./partition-groups.js";
import { initialReplicas, zonesOfNodes } from "./placement.js";
import { RaftDisk } from "./raft-disk.js";
import { Replica } from "./replica.js";
import { ReplicatedStore } from "./replicated-store.js";
import { registerRaftLogMetrics, registerReplicationMetrics } from "./replication-metrics.js";
import { CatalogStateMachine, PartitionStateMachine } from "./state-machines.js";
import {
  type TransactionCallName,
  TransactionCallsClient,
  transactionCallPath,
} from "./transaction-calls.js";
import { transactionConflict } from "./transaction-conflicts.js";
import { TransactionParticipant } from "./transaction-participant.js";
import { NodeConnections, nodeAddress, PeerTransport, raftMessagesPath, requestNode } from "./transport.js";
import { decodeBatch, encodeBatch, type MessageBatch } from "./wire.js";

export interface StorageNodeOptions {
  nodeId: string;
  /** Availability zone label, reported in the admin view. */
  zone: string;
  /** Every node of the cluster (this one included), id → base URL of its internal API. */
  peers: ReadonlyMap<string, string>;
  /**
   * The zone of every node, the same on every node and router: placement puts a new cluster's groups
   * on one node per zone and rebuilds a lost replica in its zone first. A node not named is in a zone
   * of its own, `az-<id>`. Default: none named.
   */
  nodeZones?: ReadonlyMap<string, string>;
  /**
   * A node unreachable this long is replaced in every group it holds, by the metadata leader.
   * Default 300000 (5 minutes). Milliseconds.
   */
  replaceAfterMs?: number;
  port: number;
  /** Interface to bind. Default "127.0.0.1". */
  host?: string;
  dataDir: string;
  /**
   * Item groups a new cluster starts with; the same on every node. Only the first start counts: from
   * then on the data directory records the groups the node hosts, which splits add to. Default 1.
   */
  partitions?: number;
  /**
   * A group whose items (over every table) exceed this many bytes splits in two by key-hash range,
   * online. Default 10 GiB, DynamoDB's partition size.
   */
  splitBytes?: number;
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
  /** The configuration in force at the commit index (what healing records); absent while unknown. */
  committedVoters?: readonly string[];
  committedLearners?: readonly string[];
  /** An item group's hash range as this node applied it. */
  startHash?: number;
  endHash?: number;
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
/**
 * Ticks between a leader's heartbeats (elections still wait 10–20 ticks). Every group's heartbeat is a
 * round of Raft requests between the nodes, so an idle cluster pays for each; read indexes send their
 * own round at once and do not wait for the next heartbeat, and check-quorum still sees several
 * heartbeats per election timeout.
 */
const heartbeatTicks = 3;
/** A typical operator's patience with a lost machine before rebuilding its data elsewhere. Milliseconds. */
export const defaultReplaceAfterMs = 5 * 60_000;
/** DynamoDB's partition size. */
export const defaultSplitBytes = 10 * 1024 ** 3;
/** How often a group leader compares its group's size with `splitBytes`, and the metadata leader records splits. Milliseconds. */
const splitCheckIntervalMs = 1_000;
/** The log position a group split off on a node starts from: its first snapshot, the items already held. */
const splitStartIndex = 1;
const splitStartTerm = 1;
/** Largest internal request body: a snapshot of a partition travels in one Raft message. */
export const maxInternalBodyBytes = 256 * 1024 * 1024;
/**
 * How long a follower of an item group may hold committed entries before applying them, so that one
 * engine commit covers several replication rounds (see `ReplicaOptions.followerApplyDelayMs`).
 */
const followerApplyDelayMs = 20;
/** An idle connection to the internal API is closed after this long. Milliseconds. */
const internalKeepAliveTimeoutMs = 65_000;
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
 * Longest a node holds a peer's Raft batch for the replies it causes (persisted, then carried back in
 * the answer); past it, the answer goes without them and they follow in a request of their own. It
 * bounds how long the peer's next batch to this node waits behind a slow disk. Milliseconds.
 */
const maxRaftReplyWaitMs = 100;

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

/** `/cluster/groups/<group>/<join|config|leave>`: the membership calls of healing. */
const membershipRoute = /^\/cluster\/groups\/([A-Za-z0-9_-]+)\/(join|config|leave)$/;

/** Raised inside a validate-only request where the writes would be proposed. */
class ValidationPassed extends Error {}

/** Operations that read the catalog, answered after a metadata read index (linearizable). */
const catalogReads = new Set(["DescribeTable", "ListTables"]);

class BodyTooLargeError extends Error {}

/** The body of `request`, refused when it is larger than this route takes. */
function readBody(request: ParsedRequest, maxBytes: number): Buffer {
  if (request.body.length > maxBytes) throw new BodyTooLargeError();
  return request.body;
}

const jsonHeaderLines = "content-type: application/json\r\n";

/** Answers with `body` as JSON (a `SerializedOutput` is already JSON text). */
function sendJson(response: Exchange, status: number, body: unknown): void {
  response.respond(
    status,
    jsonHeaderLines,
    body instanceof SerializedOutput ? body.json : JSON.stringify(body),
  );
}

/** An exchange answered at most once: a handler's error after its answer is not sent as a second one. */
class OnceExchange implements Exchange {
  readonly #exchange: Exchange;
  answered = false;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
  }

  respond(status: number, headerLines: string, body: string): void {
    if (this.answered) return;
    this.answered = true;
    this.#exchange.respond(status, headerLines, body);
  }
}

/**
 * A coordinator call's body with its groups by name: the internal API also takes a group's position in
 * the initial map (`0` for `p0`), as it did before groups were named by their splits.
 */
function withGroupNames(body: unknown): unknown {
  if (body === null || typeof body !== "object") return body;
  const named = { ...(body as Record<string, unknown>) };
  for (const field of ["group", "coordinator"]) {
    if (typeof named[field] === "number") named[field] = `p${named[field]}`;
  }
  if (named.writes !== null && typeof named.writes === "object" && !Array.isArray(named.writes)) {
    named.writes = Object.fromEntries(
      Object.entries(named.writes as Record<string, unknown>).map(([group, writes]) => [
        /^\d+$/.test(group) ? `p${group}` : group,
        writes,
      ]),
    );
  }
  return named;
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
  const splitBytes = options.splitBytes ?? defaultSplitBytes;
  if (!Number.isSafeInteger(splitBytes) || splitBytes < 1) {
    throw new ClusterConfigError(`splitBytes must be a positive integer, got ${splitBytes}`);
  }
  if (!options.peers.has(options.nodeId)) {
    throw new ClusterConfigError(`the peers must include this node (${options.nodeId})`);
  }
  const peerIds = [...options.peers.keys()].sort();
  const zones = zonesOfNodes(peerIds, options.nodeZones);
  if (zones.get(options.nodeId) !== options.zone && options.nodeZones?.has(options.nodeId)) {
    throw new ClusterConfigError(
      `node ${options.nodeId} is in zone ${options.zone}, but the node zones put it in ${zones.get(options.nodeId)}`,
    );
  }
  zones.set(options.nodeId, options.zone);
  const replaceAfterMs = options.replaceAfterMs ?? defaultReplaceAfterMs;
  if (!Number.isSafeInteger(replaceAfterMs) || replaceAfterMs < 1) {
    throw new ClusterConfigError(`replaceAfterMs must be a positive integer, got ${replaceAfterMs}`);
  }
  /** Where a new cluster places every group: one node per zone (the others are spares). */
  const startReplicas = initialReplicas(zonesOfNodes(peerIds, options.nodeZones));
  const disk = await RaftDisk.open(join(options.dataDir, "raft"));
  const shape = await disk.checkShape({ nodeId: options.nodeId, peers: peerIds, partitions });
  const engine = await StorageEngine.open({
    dataDir: join(options.dataDir, "items"),
    initialPartitionsPerTable: shape.partitions,
    // Item writes are replayed from the Raft log, which is durable: applying them need not flush.
    flushItemWrites: false,
  });
  const others = new Map([...options.peers].filter(([id]) => id !== options.nodeId));
  const transport = new PeerTransport({
    nodeId: options.nodeId,
    peerUrls: others,
    onReplies: (batch) => void stepBatch(batch),
  });
  const readIndexAgent = new NodeConnections({ maxConnectionsPerNode: maxReadIndexConnectionsPerPeer });
  const peerAddresses = new Map([...others].map(([id, url]) => [id, nodeAddress(url)]));
  const metrics = new StorageMetrics(engine);
  let server: Http1Server | undefined;

  const onFatal = (error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: "fatal", node: options.nodeId, error: String((error as Error)?.stack ?? error) })}\n`,
    );
    process.exit(70);
  };
  /** Every hosted group's Raft node, for the membership changes healing asks of a leader. */
  const raftNodes = new Map<string, RaftNode>();
  const createReplica = (
    group: string,
    stateMachine: CatalogStateMachine | PartitionStateMachine,
    storage: RaftStorageState,
    peers: readonly string[],
  ) => {
    const node = new RaftNode({
      id: options.nodeId,
      peers: [...peers].sort(),
      random: Math.random,
      storage,
      heartbeatTicks,
    });
    raftNodes.set(group, node);
    return new Replica({
      group,
      node,
      disk,
      stateMachine,
      send: (messages) => transport.send(group, messages),
      onFatal,
      // An item group's follower applies in batches; the catalog applies at once.
      followerApplyDelayMs: group === metaGroup ? 0 : followerApplyDelayMs,
      ...(options.compactEveryEntries !== undefined
        ? { compactEveryEntries: options.compactEveryEntries }
        : {}),
    });
  };

  const initialGroups = initialGroupMap(shape.partitions, startReplicas);
  const initialGroupNames = new Set(initialGroups.map((group) => group.name));
  const catalog = new CatalogStateMachine(engine, initialGroups);
  const metaStored = disk.load(metaGroup);
  catalog.restore(metaStored);
  /**
   * Whether this node holds a replica of `meta`: placed there by a new cluster, joined by healing (its
   * state then is on disk), or asked to join now. A spare still runs an idle `meta` replica (peers: [])
   * so that joining needs no restart, but drops its messages until asked.
   */
  let hostsMeta =
    startReplicas.includes(options.nodeId) ||
    metaStored.snapshot !== undefined ||
    (metaStored.entries?.length ?? 0) > 0;
  const meta = createReplica(
    metaGroup,
    catalog,
    metaStored,
    startReplicas.includes(options.nodeId) ? startReplicas : [],
  );
  const hosted = new HostedGroups();
  const allReplicas = (): Replica[] => [meta, ...hosted.replicas];
  /** Serializes changes to the hosted-group record: two splits applied at once must not lose one. */
  let hosting: Promise<void> = Promise.resolve();
  const partitionMachine = (record: GroupRecord) =>
    new PartitionStateMachine({
      engine,
      group: record.name,
      initialRange: { startHash: record.startHash, endHash: record.endHash },
      metaAppliedIndex: () => meta.appliedIndex,
      waitForMeta: async (metaIndex) => {
        // A replica whose catalog lags waits for it rather than drop writes to a table it lacks.
        while (meta.appliedIndex < metaIndex) {
          await meta.waitApplied(metaIndex).catch(() => undefined);
        }
      },
      onSplit: (child, parent) => {
        const done = hosting.then(() => startSplitGroup(child, parent));
        hosting = done.catch(() => undefined);
        return done;
      },
      onChildrenLearned: (children) => {
        const done = hosting.then(() => startLearnedGroups(children));
        hosting = done.catch(() => undefined);
        return done;
      },
    });
  const hostGroup = (
    record: GroupRecord,
    // The engine's own mark is where its items stand, after any crash (see PartitionStateMachine.apply).
    storage: RaftStorageState = disk.load(record.name, engine.appliedIndexOf(record.name)),
  ) => {
    const machine = partitionMachine(record);
    machine.restore(storage);
    // The hosted record's replicas are the group's configuration at index 0 on this node: [] for a
    // replica that joined by healing, which learns its configuration from its leader.
    const replica = createReplica(record.name, machine, storage, record.replicas);
    hosted.add({ record, replica, machine });
    return replica;
  };

  /**
   * A split applied here: the new group starts from a snapshot of the items this engine already holds
   * for its range (the parent's state at the split's index, the same on every replica that applies
   * it), recorded with the hosted groups in one durable step. Where this node leads the parent, it
   * campaigns for the new group at once.
   */
  async function startSplitGroup(child: GroupRecord, parent: PartitionStateMachine): Promise<void> {
    // A learner of the parent (healing in progress) is not among the new group's replicas.
    if (hosted.has(child.name) || !child.replicas.includes(options.nodeId)) return;
    // Exact byte counters per group are a convenience for the next split decision, not a condition
    // of this one: a failure leaves the counters coarser (sizes are then estimated), never the data.
    await alignEnginePartitions(engine, child.startHash).catch((error: unknown) => {
      process.stderr.write(
        `${JSON.stringify({ level: "warn", node: options.nodeId, group: child.name, message: "engine partitions not split along", error: String(error) })}\n`,
      );
    });
    const first = partitionMachine(child);
    first.adoptTransactions(parent.childTransactions());
    const snapshot = {
      index: splitStartIndex,
      term: splitStartTerm,
      config: { voters: [...child.replicas].sort(), learners: [] },
      data: first.snapshot(),
    };
    await disk.hostGroups([...hosted.records(), child], {
      group: child.name,
      snapshot,
      hardState: { term: splitStartTerm, vote: undefined, commit: splitStartIndex },
    });
    const replica = hostGroup(child);
    logGroupStarted(child, `split off ${parent.group}`);
    if (hosted.get(parent.group)?.replica.status().role === "leader") replica.campaign();
  }

  /** Groups split off before a snapshot this node installed: started empty, their leaders send the rest. */
  async function startLearnedGroups(children: readonly GroupRecord[]): Promise<void> {
    const missing = children.filter(
      (child) => !hosted.has(child.name) && child.replicas.includes(options.nodeId),
    );
    if (missing.length === 0) return;
    await disk.hostGroups([...hosted.records(), ...missing]);
    for (const child of missing) {
      hostGroup(child);
      logGroupStarted(child, "learned from a snapshot, empty until its leader sends one");
    }
  }

  function logGroupStarted(group: GroupRecord, how: string): void {
    const range = `[${group.startHash}, ${group.endHash})`;
    process.stderr.write(
      `${JSON.stringify({ level: "info", node: options.nodeId, group: group.name, range, message: `group started: ${how}` })}\n`,
    );
  }

  for (const record of disk.hostedGroups() ??
    initialGroups.filter((group) => group.replicas.includes(options.nodeId))) {
    hostGroup(record);
  }
  // A snapshot persisted just before a crash may name groups its install had not started yet.
  await startLearnedGroups([...hosted.values()].flatMap(({ machine }) => machine.children));

  /**
   * A replica of a group split off elsewhere that has received nothing yet holds no state for it, not
   * even the split's starting snapshot: it must not vote, or two such replicas could elect a leader
   * without the group's data. It starts voting once its leader's snapshot arrives.
   */
  const withoutState = (group: string, replica: Replica) =>
    group !== metaGroup && !initialGroupNames.has(group) && replica.status().lastIndex === 0;

  const groupReplica = (group: string): Replica | undefined =>
    group === metaGroup ? meta : hosted.get(group)?.replica;

  /** Groups past `splitBytes` that wait for their transaction locks to drain: they take no new ones. */
  const draining = new Set<string>();
  const participant = new TransactionParticipant({
    engine,
    meta,
    groups: hosted,
    refusesLocks: (group) => draining.has(group),
  });
  const calls = new TransactionCallsClient({
    nodeId: options.nodeId,
    peers: options.peers,
    participant,
    groups: hosted,
  });
  const storeOptions = { engine, meta, groups: hosted, participant, calls };
  const store = new ReplicatedStore(storeOptions);
  /** For TransactWriteItems: a locked item cancels the call with a reason per action. */
  const transactionStore = new ReplicatedStore({ ...storeOptions, conflictsAsCancellation: true });
  registerReplicationMetrics(metrics.registry, allReplicas);
  registerRaftLogMetrics(metrics.registry, disk);

  const splitting = new Set<string>();
  /**
   * On each group this node leads, past `splitBytes`: proposes a split at the midpoint of its range,
   * unless the cluster has its most groups. A group holding transaction locks (the split would be
   * refused) first refuses new ones until those it holds are finished (or recovered), so that a steady
   * stream of transactions cannot keep it from splitting.
   */
  function proposeSplits(): void {
    for (const { record, replica, machine } of hosted.values()) {
      if (splitting.has(record.name)) continue;
      const midHash = splitMidpoint(machine.range);
      const due =
        hosted.size < maxPartitionGroups &&
        replica.isWriteReady() &&
        midHash !== undefined &&
        groupSizeBytes(engine, machine.range) > splitBytes;
      if (!due) {
        draining.delete(record.name);
        continue;
      }
      if (machine.transactions.lockCount > 0 || replica.hasPendingLocks()) {
        draining.add(record.name);
        continue;
      }
      const command = encodeCommand({
        kind: "split",
        ...machine.range,
        midHash,
        newGroup: splitGroupName(midHash),
        // The parent's replicas now (healing may have changed them since this node started it).
        replicas: [...replica.status().voters].sort(),
      });
      splitting.add(record.name);
      const settled = () => {
        splitting.delete(record.name);
        draining.delete(record.name);
      };
      let proposed: Promise<unknown>;
      try {
        proposed = replica.propose(command);
      } catch {
        settled();
        continue;
      }
      proposed.catch(() => undefined).finally(settled);
      return;
    }
  }

  let recording = false;
  /**
   * On the metadata leader: records in the partition map the splits its own replicas applied (the
   * parent's current range and the groups split off it), when the map lacks them. Idempotent, so a
   * new metadata leader simply records whatever is missing.
   */
  function recordSplits(): void {
    if (recording || !meta.isWriteReady()) return;
    const records = [...hosted.values()].flatMap(({ record, machine }) => [
      { ...record, ...machine.range },
      ...machine.children,
    ]);
    const merged = mergeGroupRecords(catalog.groups, records);
    if (merged === catalog.groups) return;
    const known = new Map(catalog.groups.map((group) => [group.name, group]));
    const news = merged.filter((group) => known.get(group.name) !== group);
    recording = true;
    let proposed: Promise<unknown>;
    try {
      proposed = meta.propose(encodeCommand({ kind: "recordGroups", groups: news }));
    } catch {
      recording = false;
      return;
    }
    proposed.catch(() => undefined).finally(() => (recording = false));
  }

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
      await Promise.all(allReplicas().map((replica) => readBarrier(replica)));
      const appliedAt = new Map(hosted.replicas.map((replica) => [replica.group, replica.appliedIndex]));
      const read: { group: string; itemKey: string }[] = [];
      const readingStore: ItemStore = {
        ...validatingStore,
        getItem: (table, key) => {
          const location = locateItem(table, key);
          const owner = hosted.ownerOf(location.hash);
          if (!owner) throw new WrongGroupError("the key's group");
          read.push({ group: owner.record.name, itemKey: location.key.toString("latin1") });
          return store.getItem(table, key);
        },
      };
      const output = await operations.TransactGetItems({ engine: readingStore, metrics }, input);
      reads = read.length;
      locked = read.flatMap(({ group, itemKey }, position) =>
        hosted.get(group)!.machine.transactions.lockHolder(itemKey) === undefined ? [] : [position],
      );
      if (locked.length > 0) continue;
      const groupsRead = new Set(read.map(({ group }) => group));
      if (groupsRead.size <= 1) return output;
      await Promise.all([...groupsRead].map((group) => readBarrier(hosted.get(group)!.replica)));
      locked = read.flatMap(({ group, itemKey }, position) =>
        hosted.get(group)!.machine.mayHaveChangedAfter(itemKey, appliedAt.get(group) ?? 0) ? [position] : [],
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

  /**
   * The hosted group owning the one partition key a GetItem (its `Key`) or a Query (its key condition)
   * reads; undefined for other operations, a group this node does not host, or a bad input (the
   * operation reports that).
   */
  function groupOfRead(operation: string, input: Record<string, unknown>): Replica | undefined {
    const table = typeof input.TableName === "string" ? engine.getTable(input.TableName) : undefined;
    if (table === undefined) return undefined;
    const key =
      operation === "GetItem"
        ? (input.Key as Item | undefined)
        : operation === "Query"
          ? queryPartitionKey(input, table.keySchema)
          : undefined;
    if (key === null || typeof key !== "object") return undefined;
    try {
      return hosted.ownerOf(locateItem(table, key).hash)?.replica;
    } catch {
      return undefined;
    }
  }

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
    // A GetItem or Query reads one partition key's items: only its group needs to be current.
    const keyGroup = groupOfRead(operation, input);
    if (catalogReads.has(operation)) await readBarrier(meta);
    else if (operation !== "TransactGetItems" && wantsConsistentRead(operation, input)) {
      await Promise.all((keyGroup ? [keyGroup] : allReplicas()).map((replica) => readBarrier(replica)));
    } else if (readYourWrites && keyGroup !== undefined) {
      // The router sent it to the leader of the key's group by its map; after a split it may be elsewhere.
      if (!keyGroup.isWriteReady()) await readBarrier(keyGroup);
    } else if (readYourWrites && operation === "GetItem") {
      // A key this node's groups do not cover: nothing here to wait for.
    } else if (readYourWrites && itemReads.has(operation)) {
      // A leader answers a write only after applying it, so a leader that has caught up with its term
      // already holds every acknowledged write of its group: only the other groups need a barrier.
      await Promise.all(
        hosted.replicas.filter((replica) => !replica.isWriteReady()).map((replica) => readBarrier(replica)),
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

  async function handleDynamo(request: ParsedRequest, response: Exchange): Promise<void> {
    const startedAt = process.hrtime.bigint();
    const operation = String(request.headers["x-amz-target"] ?? "");
    let table = "";
    let outcome = "ok";
    try {
      if (!Object.hasOwn(operations, operation)) {
        throw new DynamoError("UnknownOperationException", "An unknown operation was requested.");
      }
      const body = readBody(request, maxDynamoBodyBytes);
      const input = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      if (typeof input.TableName === "string") table = input.TableName;
      const validateOnly = request.headers[validateOnlyHeader] === "1";
      const readYourWrites = request.headers[readYourWritesHeader] === "1";
      const output = await runOperation(operation as OperationName, input, validateOnly, readYourWrites);
      sendJson(response, 200, output);
    } catch (error) {
      if (error instanceof WrongGroupError) {
        outcome = "MapChanged";
        sendJson(response, 421, { code: error.code, message: error.message, mapChanged: true });
      } else if (error instanceof NotLeaderError || error instanceof ProposalDroppedError) {
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

  async function handleReadIndex(request: ParsedRequest, response: Exchange): Promise<void> {
    const { group } = JSON.parse(readBody(request, 4096).toString("utf8")) as { group?: string };
    const replica = group === undefined ? undefined : groupReplica(group);
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
    request: ParsedRequest,
    response: Exchange,
  ): Promise<void> {
    const body = withGroupNames(JSON.parse(readBody(request, maxDynamoBodyBytes).toString("utf8"))) as never;
    try {
      const call = participant[name] as (request: never) => Promise<unknown>;
      sendJson(response, 200, (await call.call(participant, body)) ?? {});
    } catch (error) {
      if (error instanceof WrongGroupError) {
        sendJson(response, 421, { code: error.code, message: error.message, mapChanged: true });
      } else if (error instanceof GroupSplittingError) {
        sendJson(response, 421, { code: error.code, message: error.message });
      } else if (error instanceof LockConflictError) {
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

  /** Steps a peer's messages into their groups; returns the replicas that took some. */
  function stepBatch(batch: MessageBatch): Set<Replica> {
    const stepped = new Set<Replica>();
    for (const { group, message } of batch.messages) {
      if (message.to !== options.nodeId || message.from !== batch.from) continue;
      // A group this node does not host yet drops its messages (the leader repeats them), so that no
      // group state is created out of order, before the split that starts it.
      const replica = groupReplica(group);
      if (!replica || (replica === meta && !hostsMeta)) continue;
      if ((message.type === "vote" || message.type === "preVote") && withoutState(group, replica)) continue;
      replica.step(message);
      stepped.add(replica);
    }
    return stepped;
  }

  /**
   * `POST /cluster/raft`: steps the batch, then answers with this node's messages to the sender once
   * they are sent — an append's reply leaves only after the entries are on disk — so that they need no
   * request of their own; 204 when there are none.
   */
  async function handleRaft(request: ParsedRequest, response: Exchange): Promise<void> {
    const batch = decodeBatch(readBody(request, maxInternalBodyBytes).toString("utf8"));
    const stepped = stepBatch(batch);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...stepped].map((replica) => replica.messagesSent())),
      new Promise((resolve) => {
        timer = setTimeout(resolve, maxRaftReplyWaitMs);
      }),
    ]);
    clearTimeout(timer);
    const replies = transport.takeQueued(batch.from);
    if (replies.length === 0) {
      response.respond(204, "", "");
      return;
    }
    response.respond(200, jsonHeaderLines, encodeBatch({ from: options.nodeId, messages: replies }));
  }

  function status(): NodeStatus {
    return {
      nodeId: options.nodeId,
      zone: options.zone,
      partitions: hosted.size,
      groups: allReplicas()
        .filter((replica) => replica !== meta || hostsMeta)
        .map((replica) => {
          const { vote: _vote, ...rest } = replica.status();
          const range = hosted.get(replica.group)?.machine.range;
          const committed = raftNodes.get(replica.group)?.configurationAt(rest.commitIndex);
          return {
            group: replica.group,
            ...rest,
            ...range,
            ...(committed !== undefined
              ? { committedVoters: committed.voters, committedLearners: committed.learners }
              : {}),
          };
        }),
    };
  }

  /**
   * `POST /cluster/groups/<group>/join`: starts this node's replica of a group healing moves here,
   * with no configuration of its own (peers: []): it neither votes nor campaigns until its leader's
   * log or snapshot tells it the configuration. Recorded among the hosted groups first, so a restart
   * keeps it. Idempotent.
   */
  async function handleJoin(group: string, request: ParsedRequest, response: Exchange) {
    const { record } = JSON.parse(readBody(request, 65_536).toString("utf8")) as {
      record?: GroupRecord;
    };
    if (group === metaGroup) {
      hostsMeta = true;
      return sendJson(response, 200, { joined: group });
    }
    const valid =
      record !== undefined &&
      record.name === group &&
      Number.isInteger(record.startHash) &&
      Number.isInteger(record.endHash) &&
      record.startHash < record.endHash;
    if (!valid) {
      return sendJson(response, 400, { code: "BAD_REQUEST", message: "join needs the group's record" });
    }
    if (!hosted.has(group)) {
      const joining: GroupRecord = {
        name: group,
        startHash: record.startHash,
        endHash: record.endHash,
        replicas: [],
      };
      const done = hosting.then(async () => {
        if (hosted.has(group)) return;
        await disk.hostGroups([...hosted.records(), joining]);
        hostGroup(joining);
        logGroupStarted(joining, "joined by healing, empty until its leader sends a snapshot");
      });
      hosting = done.catch(() => undefined);
      await done;
    }
    sendJson(response, 200, { joined: group });
  }

  /**
   * `POST /cluster/groups/<group>/leave`: drops a replica the group's committed configuration no
   * longer holds (healing replaced this node while it was gone): stops it, stops hosting it, and
   * deletes its items from the engine. Only the metadata leader asks, once the removal is committed.
   */
  async function handleLeave(group: string, response: Exchange) {
    if (group === metaGroup) {
      // The catalog stays (it is every node's, and a spare's is refreshed when it joins again).
      hostsMeta = false;
      return sendJson(response, 200, { left: group });
    }
    const done = hosting.then(async () => {
      const leaving = hosted.get(group);
      if (leaving === undefined) return;
      const range = leaving.machine.range;
      await leaving.replica.close();
      // Items first: a crash before the record is rewritten leaves a replica outside its group's
      // configuration (it never counts again), which the next leave request drops once more.
      // The items go with the group's applied mark reset, durably, and then its Raft state: joining
      // the group again later starts empty, as a new member that gets a snapshot.
      await engine.transact(
        (tx) => {
          for (const name of engine.listTableNames()) {
            const table = engine.getTable(name)!;
            for (const item of engine.scan(table, { hashRange: range })) tx.delete(table, item);
          }
        },
        { group, index: 0 },
      );
      await engine.flush();
      hosted.remove(group);
      raftNodes.delete(group);
      await disk.forget(group, hosted.records());
      process.stderr.write(
        `${JSON.stringify({ level: "info", node: options.nodeId, group, message: "replica removed by healing dropped" })}\n`,
      );
    });
    hosting = done.catch(() => undefined);
    await done;
    sendJson(response, 200, { left: group });
  }

  /** `POST /cluster/groups/<group>/config`: one membership change, on the group's leader. */
  async function handleConfigChange(group: string, request: ParsedRequest, response: Exchange) {
    const change = JSON.parse(readBody(request, 4096).toString("utf8")) as ConfigChange;
    const node = raftNodes.get(group);
    if (node === undefined || (group === metaGroup && !hostsMeta)) {
      return sendJson(response, 404, { code: "NO_SUCH_GROUP", message: `no group ${group}` });
    }
    const result = node.proposeConfigChange(change);
    if (!result.ok) return sendJson(response, 409, result);
    // The Ready loop persists and sends the entry at the next tick.
    sendJson(response, 200, result);
  }

  function handle(request: ParsedRequest, exchange: Exchange): void {
    const response = new OnceExchange(exchange);
    const route = `${request.method} ${request.url}`;
    const run = async () => {
      if (route === `POST ${raftMessagesPath}`) return handleRaft(request, response);
      if (route === "POST /cluster/dynamodb") return handleDynamo(request, response);
      if (route === "POST /cluster/read-index") return handleReadIndex(request, response);
      const call = request.method === "POST" ? request.url?.slice(transactionCallPath.length) : undefined;
      if (request.url?.startsWith(transactionCallPath) && call !== undefined && transactionCalls.has(call)) {
        return handleTransactionCall(call as TransactionCallName, request, response);
      }
      const membership = request.method === "POST" ? membershipRoute.exec(request.url ?? "") : null;
      if (membership?.[2] === "join") return handleJoin(membership[1]!, request, response);
      if (membership?.[2] === "config") return handleConfigChange(membership[1]!, request, response);
      if (membership?.[2] === "leave") return handleLeave(membership[1]!, response);
      if (route === "GET /cluster/status") return sendJson(response, 200, status());
      if (route === "GET /cluster/tables") {
        // A spare's catalog is the initial one, not the cluster's: the router asks another node.
        if (!hostsMeta)
          return sendJson(response, 503, { code: "NO_METADATA", message: "no meta replica here" });
        const tables = engine
          .listTableNames()
          .map((name) => ({ name, keySchema: engine.getTable(name)!.keySchema }));
        return sendJson(response, 200, { partitions: hosted.size, groups: catalog.groups, tables });
      }
      if (route === "GET /healthz") return sendJson(response, 200, { status: "ok" });
      if (route === "GET /metrics") {
        const text = await metrics.render();
        response.respond(200, `content-type: ${metrics.contentType}\r\n`, text);
        return;
      }
      sendJson(response, 404, { error: { code: "NOT_FOUND", message: `No route for ${route}.` } });
    };
    run().catch((error: unknown) => {
      const status = error instanceof BodyTooLargeError ? 413 : 400;
      sendJson(response, status, { error: { code: "BAD_REQUEST", message: String(error) } });
    });
  }

  /** A request the HTTP layer refuses (malformed, too large, too slow): the connection closes after. */
  function refuse(error: HttpProtocolError) {
    const body = JSON.stringify({ error: { code: error.code, message: error.message } });
    return { headerLines: jsonHeaderLines, body };
  }

  server = new Http1Server(
    { handle, refuse },
    {
      maxBodyBytes: maxInternalBodyBytes,
      keepAliveTimeoutMs: internalKeepAliveTimeoutMs,
      upgrade: { preface: rpcPreface, accept: (socket, rest) => serveRpcConnection(socket, rest, handle) },
    },
  );
  const address = await server.listen(options.port, options.host ?? "127.0.0.1");
  const tickMs = options.tickMs ?? defaultTickMs;
  const ticker = setInterval(() => {
    for (const replica of allReplicas()) {
      // A `meta` replica this node does not hold (a spare, or replaced) must not campaign.
      if (replica !== meta || hostsMeta) replica.tick();
    }
  }, tickMs);
  const lockRecovery = setInterval(
    () => participant.recoverStaleLocks(calls, Date.now()),
    lockRecoveryIntervalMs,
  );
  const splitChecks = setInterval(() => {
    proposeSplits();
    recordSplits();
  }, splitCheckIntervalMs);
  const replacements = new Counter({
    name: "storage_replacements_total",
    help: "Replicas of lost nodes this node rebuilt elsewhere as the metadata leader, by outcome (done, failed).",
    labelNames: ["outcome"],
    registers: [metrics.registry],
  });
  const healer = new Healer({
    nodeId: options.nodeId,
    nodes: options.peers,
    zones,
    replaceAfterMs,
    isMetaLeader: () => hostsMeta && meta.isWriteReady(),
    groups: () => catalog.groups,
    ownStatus: status,
    recordGroups: (records) => meta.propose(encodeCommand({ kind: "recordGroups", groups: records })),
    onOutcome: (outcome) => replacements.inc({ outcome }),
    log: (fields) => process.stderr.write(`${JSON.stringify({ node: options.nodeId, ...fields })}\n`),
  });
  const healingChecks = setInterval(() => void healer.check(Date.now()), healingCheckIntervalMs);
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${address.port}`,
    port: address.port,
    async close() {
      clearInterval(ticker);
      clearInterval(lockRecovery);
      clearInterval(splitChecks);
      clearInterval(healingChecks);
      healer.close();
      await Promise.all(allReplicas().map((replica) => replica.close()));
      transport.close();
      readIndexAgent.destroy();
      calls.close();
      // Requests still open wait on replicas closed above: cut them rather than drain.
      await server!.close(0);
      await engine.close();
      await disk.close();
    },
  };
}
