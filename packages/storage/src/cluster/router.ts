/**
 * The request router: speaks DynamoDB's JSON 1.0 protocol to clients (checking SigV4 as the
 * single-node server does), keeps the cluster's partition map (refreshed from the metadata group when
 * a node answers that it changed: a group split) and key schemas, and sends each request
 * to a storage node — writes and consistent reads to the leader of the item's partition group,
 * eventually consistent reads to any replica — following not-leader answers and retrying within a
 * bounded budget, so that a leader failure costs a client latency, not an error. It holds no data and
 * any number of routers may run side by side.
 *
 * Retries: an answer "not leader" (HTTP 421) or "busy" (503) means the node wrote nothing, and a
 * refused connection means it never saw the request, so those are always retried. A connection that
 * breaks after the request was sent leaves the outcome unknown: the router retries only requests
 * whose repetition cannot change the result (reads, unconditional puts and deletes, batch writes),
 * and answers any other with a 500 the client may treat as DynamoDB's own InternalServerError.
 *
 * Clients are served by the lean HTTP/1.1 layer (src/http/), as by the single-node server: the router
 * sits on the path of every storage call.
 */
import { randomUUID } from "node:crypto";
import { crc32 } from "node:zlib";
import { Counter, Registry } from "prom-client";
import { operations } from "../api/operations/index.js";
import { queryPartitionKey } from "../api/operations/reads.js";
import { maxRequestBytes } from "../api/server.js";
import { type Credentials, DEFAULT_CREDENTIALS, SignatureVerifier } from "../api/sigv4.js";
import type { KeySchema } from "../engine/index.js";
import { DynamoError } from "../errors.js";
import type { HttpProtocolError } from "../http/errors.js";
import { type Exchange, Http1Server } from "../http/http1-server.js";
import type { ParsedRequest } from "../http/request-parser.js";
import {
  currentGroups,
  type GroupRecord,
  groupOfHash,
  initialGroupMap,
  mergeGroupRecords,
  partitionKeyHash,
} from "./group-map.js";
import { RpcConnections } from "./node-rpc.js";
import { metaGroup } from "./partition-groups.js";
import { zonesOfNodes } from "./placement.js";
import { type NodeStatus, readYourWritesHeader, validateOnlyHeader } from "./storage-node.js";
import {
  type InFlightNodeRequest,
  type NodeAddress,
  NodeConnections,
  type NodeResponse,
  nodeAddress,
  requestNode,
} from "./transport.js";

export interface RouterOptions {
  port: number;
  /** Interface to bind. Default "127.0.0.1". */
  host?: string;
  /** The storage nodes, id → base URL of their internal API. */
  nodes: ReadonlyMap<string, string>;
  /** Access keys whose SigV4 signatures are accepted. Default: `[DEFAULT_CREDENTIALS]`. */
  credentials?: Credentials[];
  /** Total time one client request may spend on retries before its last error is returned. Default 10000 ms. */
  retryBudgetMs?: number;
  /** Attempts per client request at most (each attempt is one node request). Default 200. */
  maxAttempts?: number;
  /** Time one node request's connection may stay silent before the request fails. Default 15000 ms. */
  nodeRequestTimeoutMs?: number;
  /**
   * While a node request waits, how often the router checks that the node still answers a status
   * request; a node that does not (cut off the network: its connections hang without an error) loses
   * the request, which is then retried or failed as after a broken connection. Default 1000 ms.
   */
  livenessCheckMs?: number;
  /** How long a node that refused a connection is skipped. Default 500 ms. */
  downNodeSkipMs?: number;
  /**
   * How eventually consistent reads are answered. "leader" (the default): a GetItem goes to the item's
   * partition leader, and a Query, Scan or BatchGetItem answered by another replica first waits for a
   * read barrier — so a client always reads its own writes, as it usually does on DynamoDB. "any":
   * every replica answers from what it has applied, which may lag by a round trip.
   */
  eventualReads?: "leader" | "any";
  /** Share the port with other routers of this machine (SO_REUSEPORT). Default false. */
  reusePort?: boolean;
  /** The zone of every node, for the admin view while a node is unreachable. Default: `az-<id>`. */
  nodeZones?: ReadonlyMap<string, string>;
}

export interface Router {
  url: string;
  port: number;
  close(): Promise<void>;
}

const targetPrefix = "DynamoDB_20120810.";
const errorTypePrefix = "com.amazonaws.dynamodb.v20120810#";
const jsonContentType = "application/x-amz-json-1.0";
/** Pause before retrying when no node knows a leader (an election is running). */
const noLeaderBackoffMs = 50;
/** Time allowed for one node to answer a status request of the admin view. */
const statusTimeoutMs = 1_000;
/**
 * Connections to one node for status, catalog and liveness requests, apart from forwarded ones so that
 * a liveness check never waits behind the requests it watches.
 */
const maxControlConnectionsPerNode = 4;
/** Largest answer a node's status or catalog request may give. */
const maxControlResponseBytes = 16 * 1024 * 1024;
/**
 * How often the router fetches the partition map although no answer said it changed: healing moves
 * replicas without any request noticing, and the map says which nodes to prefer. Milliseconds.
 */
const mapRefreshIntervalMs = 5_000;
/** An idle client connection is closed after this long (above common client pools' idle timeouts). */
const keepAliveTimeoutMs = 65_000;
/** At close, time allowed for requests in flight to finish before their connections are cut. */
const drainTimeoutMs = 5_000;
/** BatchWriteItem's own bound: a larger batch goes unsplit, for the node to refuse. */
const maxBatchWriteRequests = 25;

const catalogWrites = new Set(["CreateTable", "DeleteTable", "UpdateTable"]);
const catalogReads = new Set(["DescribeTable", "ListTables"]);
const itemWrites = new Set(["PutItem", "UpdateItem", "DeleteItem"]);
const reads = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);

type Target = { group: string } | "any";

type NodeAnswer = NodeResponse;

/** The router's view of one node: its address, and its requests in flight with their liveness check. */
interface NodeLink {
  address: NodeAddress;
  inFlight: Set<InFlightNodeRequest>;
  /** Runs while requests are in flight, every `livenessCheckMs`. */
  livenessTimer: NodeJS.Timeout | undefined;
  checking: boolean;
}

/** Raised on a request to a node that failed its liveness check while the request waited. */
class NodeUnreachableError extends Error {
  readonly code = "NODE_UNREACHABLE";
  override readonly name = "NodeUnreachableError";
}

function dynamoErrorAnswer(error: DynamoError): NodeAnswer {
  return {
    status: error.status,
    body: JSON.stringify({
      __type: errorTypePrefix + error.type,
      message: error.message,
      ...(error.extra ?? {}),
    }),
  };
}

function hasCondition(input: Record<string, unknown>): boolean {
  return input.ConditionExpression !== undefined || input.Expected !== undefined;
}

/** Whether sending `input` twice leaves the same state and answer as sending it once. */
function isRepeatable(operation: string, input: Record<string, unknown>): boolean {
  if (reads.has(operation) || catalogReads.has(operation) || operation === "BatchWriteItem") return true;
  return (operation === "PutItem" || operation === "DeleteItem") && !hasCondition(input);
}

/** Whether a failed node request certainly never reached the node. */
function neverSent(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return (
    code === "ECONNREFUSED" ||
    code === "EHOSTUNREACH" ||
    code === "ENETUNREACH" ||
    code === "NODE_CLIENT_BUSY"
  );
}

export async function startRouter(options: RouterOptions): Promise<Router> {
  const nodeIds = [...options.nodes.keys()];
  if (nodeIds.length === 0) throw new RangeError("a router needs at least one storage node");
  const verifier = new SignatureVerifier(options.credentials ?? [DEFAULT_CREDENTIALS]);
  const retryBudgetMs = options.retryBudgetMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 200;
  const nodeRequestTimeoutMs = options.nodeRequestTimeoutMs ?? 15_000;
  const livenessCheckMs = options.livenessCheckMs ?? 1_000;
  const downNodeSkipMs = options.downNodeSkipMs ?? 500;
  const eventualReads = options.eventualReads ?? "leader";
  const leaders = new Map<string, string>();
  const downUntil = new Map<string, number>();
  const keySchemas = new Map<string, KeySchema>();
  /** The partition map as the metadata group last told it (through any node). */
  let groups: readonly GroupRecord[] | undefined;
  /** Nodes holding a replica of every item group by the map: they answer Query, Scan and batch reads. */
  let fullNodes: readonly string[] = nodeIds;
  const zones = zonesOfNodes(nodeIds, options.nodeZones);
  let roundRobin = 0;
  // Forwarded requests share one multiplexed connection per node (see node-rpc.ts).
  const forwardAgent = new RpcConnections();
  const controlAgent = new NodeConnections({ maxConnectionsPerNode: maxControlConnectionsPerNode });
  const links = new Map<string, NodeLink>(
    nodeIds.map((node) => [
      node,
      {
        address: nodeAddress(options.nodes.get(node)!),
        inFlight: new Set(),
        livenessTimer: undefined,
        checking: false,
      },
    ]),
  );

  /** A status or catalog request to `node`. */
  function askNode(node: string, path: string): Promise<NodeResponse> {
    return requestNode(controlAgent, links.get(node)!.address, {
      method: "GET",
      path,
      timeoutMs: statusTimeoutMs,
      maxResponseBytes: maxControlResponseBytes,
    }).answer;
  }

  const registry = new Registry();
  registry.setDefaultLabels({ service: "storage-router" });
  const requests = new Counter({
    name: "storage_router_requests_total",
    help: "DynamoDB requests answered by the router, by operation and outcome.",
    labelNames: ["operation", "outcome"],
    registers: [registry],
  });
  const retries = new Counter({
    name: "storage_router_retries_total",
    help: "Node requests repeated by the router, by reason (not_leader, map_changed, busy, unreachable).",
    labelNames: ["reason"],
    registers: [registry],
  });

  function isDown(node: string): boolean {
    return (downUntil.get(node) ?? 0) > Date.now();
  }

  /** A node of `among` (every node holding all groups, by default), round robin, skipping down ones. */
  function anyNode(avoid?: string, among: readonly string[] = fullNodes): string {
    const candidates = among.length > 0 ? among : nodeIds;
    for (let k = 0; k < candidates.length; k++) {
      const node = candidates[roundRobin++ % candidates.length]!;
      if (node !== avoid && !isDown(node)) return node;
    }
    return candidates[roundRobin++ % candidates.length]!;
  }

  function pick(target: Target, avoid?: string): string {
    if (target !== "any") {
      const leader = leaders.get(target.group);
      if (leader !== undefined && !isDown(leader) && leader !== avoid) return leader;
      const replicas = groups?.find((group) => group.name === target.group)?.replicas;
      if (replicas !== undefined)
        return anyNode(
          avoid,
          replicas.filter((node) => options.nodes.has(node)),
        );
    }
    return anyNode(avoid);
  }

  /** Takes a node's map: merged with the one held, so an older map (a lagging node's) never wins. */
  function learnMap(records: readonly GroupRecord[]): void {
    groups = groups === undefined ? records : mergeGroupRecords(groups, records);
    const current = currentGroups(groups);
    const full = nodeIds.filter((node) => current.every((group) => group.replicas.includes(node)));
    fullNodes = full.length > 0 ? full : nodeIds;
  }

  async function refreshCatalog(): Promise<void> {
    for (const node of nodeIds) {
      try {
        const response = await askNode(node, "/cluster/tables");
        if (response.status !== 200) continue;
        const catalog = JSON.parse(response.body) as {
          partitions: number;
          groups?: GroupRecord[];
          tables: { name: string; keySchema: KeySchema }[];
        };
        learnMap(catalog.groups ?? initialGroupMap(catalog.partitions, nodeIds));
        for (const table of catalog.tables) keySchemas.set(table.name, table.keySchema);
        return;
      } catch {
        // Try the next node.
      }
    }
  }

  let refreshing: Promise<void> | undefined;
  /** Refreshes the catalog and map once for every caller that asks while a refresh runs. */
  function refreshMap(): Promise<void> {
    refreshing ??= refreshCatalog().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  async function groupOfQuery(input: Record<string, unknown>): Promise<Target> {
    const table = input.TableName;
    if (typeof table !== "string") return "any";
    if (!keySchemas.has(table)) await refreshMap();
    const keySchema = keySchemas.get(table);
    const key = keySchema === undefined ? undefined : queryPartitionKey(input, keySchema);
    return key === undefined ? "any" : groupOfKey(table, key);
  }

  async function groupOfKey(table: unknown, key: unknown): Promise<Target> {
    if (typeof table !== "string") return "any";
    if (!keySchemas.has(table) || groups === undefined) await refreshMap();
    const keySchema = keySchemas.get(table);
    if (keySchema === undefined || groups === undefined) return "any";
    const hash = partitionKeyHash(keySchema, key);
    const owner = hash === undefined ? undefined : groupOfHash(groups, hash);
    return owner === undefined ? "any" : { group: owner.name };
  }

  async function targetOf(operation: string, input: Record<string, unknown>): Promise<Target> {
    if (catalogWrites.has(operation) || catalogReads.has(operation)) return { group: metaGroup };
    if (itemWrites.has(operation)) {
      return groupOfKey(input.TableName, operation === "PutItem" ? input.Item : input.Key);
    }
    if (operation === "GetItem" && (input.ConsistentRead === true || eventualReads === "leader")) {
      return groupOfKey(input.TableName, input.Key);
    }
    if (operation === "Query" && (input.ConsistentRead === true || eventualReads === "leader")) {
      // To the leader of the partition key's group: it answers without a read barrier.
      return groupOfQuery(input);
    }
    if (operation === "TransactWriteItems" && Array.isArray(input.TransactItems)) {
      const first = input.TransactItems[0] as Record<string, Record<string, unknown>> | undefined;
      const action = first && Object.values(first)[0];
      return action ? groupOfKey(action.TableName, action.Item ?? action.Key) : "any";
    }
    return "any";
  }

  /**
   * While requests to a node are in flight, the router asks the node for its status every
   * `livenessCheckMs`; a node that does not answer within about a second loses every request that was
   * already in flight when the check began. Without the checks, a request to a node cut off the
   * network would wait out the whole timeout, longer than the retry budget, though a new leader is
   * elected within about a second; a node that is merely slow still answers its status and keeps its
   * requests. One timer per node serves all its requests, and stops once none is in flight.
   */
  function checkLiveness(node: string, link: NodeLink): void {
    if (link.inFlight.size === 0) {
      clearInterval(link.livenessTimer);
      link.livenessTimer = undefined;
      return;
    }
    if (link.checking) return;
    link.checking = true;
    const watched = [...link.inFlight];
    askNode(node, "/cluster/status").then(
      () => {
        link.checking = false;
      },
      () => {
        link.checking = false;
        const error = new NodeUnreachableError(`storage node ${node} did not answer a liveness check`);
        for (const request of watched) request.abort(error);
      },
    );
  }

  /** Sends one attempt to `node`, watched by the node's liveness check while it waits. */
  async function sendToNode(
    node: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<NodeAnswer> {
    const link = links.get(node)!;
    const request = forwardAgent.request(link.address, {
      method: "POST",
      path: "/cluster/dynamodb",
      headers,
      body,
      timeoutMs: nodeRequestTimeoutMs,
    });
    link.inFlight.add(request);
    link.livenessTimer ??= setInterval(() => checkLiveness(node, link), livenessCheckMs);
    try {
      return await request.answer;
    } finally {
      link.inFlight.delete(request);
    }
  }

  /**
   * Sends one request to nodes until one answers it for good, within the retry budget. A "map
   * changed" answer (the group split) refreshes the map from the metadata group and finds the
   * request's group again with `retarget`.
   */
  async function forward(
    operation: string,
    body: string,
    target: Target,
    repeatable: boolean,
    validateOnly = false,
    retarget?: () => Promise<Target>,
  ): Promise<NodeAnswer> {
    const deadline = Date.now() + retryBudgetMs;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-amz-target": operation,
      ...(validateOnly ? { [validateOnlyHeader]: "1" } : {}),
      // A GetItem goes to its group's leader, which holds every acknowledged write; the node checks
      // only that group, in case this router's map is older than a split.
      ...(eventualReads === "leader" ? { [readYourWritesHeader]: "1" } : {}),
    };
    let last: NodeAnswer | undefined;
    let node = pick(target);
    for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
      let response: NodeAnswer;
      try {
        response = await sendToNode(node, headers, body);
      } catch (error) {
        downUntil.set(node, Date.now() + downNodeSkipMs);
        if (target !== "any" && leaders.get(target.group) === node) leaders.delete(target.group);
        if (!neverSent(error) && !repeatable) {
          return dynamoErrorAnswer(
            new DynamoError(
              "InternalServerError",
              "The storage node failed while handling the request; it may or may not have been applied.",
              500,
            ),
          );
        }
        retries.inc({ reason: "unreachable" });
        last = dynamoErrorAnswer(new DynamoError("ServiceUnavailable", "No storage node answered.", 503));
        node = pick(target, node);
        continue;
      }
      const text = response.body;
      if (response.status === 421) {
        const answer = JSON.parse(text) as { group?: string; leaderHint?: string; mapChanged?: boolean };
        if (answer.mapChanged === true) {
          retries.inc({ reason: "map_changed" });
          last = dynamoErrorAnswer(
            new DynamoError("ServiceUnavailable", "The partition map is changing.", 503),
          );
          await refreshMap();
          if (retarget) target = await retarget();
          node = pick(target, node);
          await new Promise((resolve) => setTimeout(resolve, noLeaderBackoffMs));
          continue;
        }
        retries.inc({ reason: "not_leader" });
        // The node found the key in another group than this router's map: the map is older.
        if (answer.group !== undefined && target !== "any" && answer.group !== target.group) {
          void refreshMap();
        }
        const group = answer.group ?? (target === "any" ? undefined : target.group);
        if (group !== undefined && answer.leaderHint !== undefined && options.nodes.has(answer.leaderHint)) {
          leaders.set(group, answer.leaderHint);
        } else if (group !== undefined) {
          leaders.delete(group);
        }
        last = dynamoErrorAnswer(
          new DynamoError("ServiceUnavailable", "The partition has no leader yet.", 503),
        );
        const next = group === undefined ? anyNode(node) : pick({ group }, node);
        // Only a hint at a leader the router can reach is news worth an immediate retry; otherwise
        // (no hint, or a hint at a dead leader) an election is running, and asking the other
        // replicas again at once would spend the attempts before it ends.
        if (next === node || next !== answer.leaderHint || isDown(next)) {
          await new Promise((resolve) => setTimeout(resolve, noLeaderBackoffMs));
        }
        node = next;
        continue;
      }
      if (response.status === 503) {
        retries.inc({ reason: "busy" });
        last = { status: 503, body: text };
        await new Promise((resolve) => setTimeout(resolve, noLeaderBackoffMs));
        continue;
      }
      if (target !== "any" && response.status < 500) leaders.set(target.group, node);
      return { status: response.status, body: text };
    }
    return last ?? dynamoErrorAnswer(new DynamoError("ServiceUnavailable", "No storage node answered.", 503));
  }

  /** BatchWriteItem across partition groups: one sub-batch per group, answers merged (it is not atomic). */
  async function forwardBatchWrite(input: Record<string, unknown>, body: string): Promise<NodeAnswer> {
    const requestItems = input.RequestItems;
    if (requestItems === null || typeof requestItems !== "object") {
      return forward("BatchWriteItem", body, "any", true);
    }
    const byGroup = new Map<string, Record<string, unknown[]>>();
    let total = 0;
    for (const [table, writes] of Object.entries(requestItems as Record<string, unknown>)) {
      if (!Array.isArray(writes)) return forward("BatchWriteItem", body, "any", true);
      for (const write of writes as Record<string, Record<string, unknown>>[]) {
        total++;
        const key = write?.PutRequest?.Item ?? write?.DeleteRequest?.Key;
        const target = await groupOfKey(table, key);
        if (target === "any") return forward("BatchWriteItem", body, "any", true);
        const batch = byGroup.get(target.group) ?? {};
        const writesOfTable = batch[table] ?? [];
        writesOfTable.push(write);
        batch[table] = writesOfTable;
        byGroup.set(target.group, batch);
      }
    }
    if (byGroup.size <= 1 || total > maxBatchWriteRequests) {
      const [group] = byGroup.keys();
      return forward("BatchWriteItem", body, group === undefined ? "any" : { group }, true);
    }
    // A bad item anywhere must refuse the whole batch before any group writes its part.
    const check = await forward("BatchWriteItem", body, "any", true, true);
    if (check.status !== 200) return check;
    const answers = await Promise.all(
      [...byGroup].map(([group, items]) =>
        forward("BatchWriteItem", JSON.stringify({ ...input, RequestItems: items }), { group }, true),
      ),
    );
    const failed = answers.find((answer) => answer.status !== 200);
    if (failed) return failed;
    const unprocessed: Record<string, unknown[]> = {};
    const capacity = new Map<string, number>();
    let withCapacity = false;
    for (const answer of answers) {
      const output = JSON.parse(answer.body) as {
        UnprocessedItems?: Record<string, unknown[]>;
        ConsumedCapacity?: { TableName: string; CapacityUnits: number }[];
      };
      for (const [table, writes] of Object.entries(output.UnprocessedItems ?? {})) {
        unprocessed[table] = [...(unprocessed[table] ?? []), ...writes];
      }
      for (const used of output.ConsumedCapacity ?? []) {
        withCapacity = true;
        capacity.set(used.TableName, (capacity.get(used.TableName) ?? 0) + used.CapacityUnits);
      }
    }
    const merged: Record<string, unknown> = { UnprocessedItems: unprocessed };
    if (withCapacity) {
      const indexes = input.ReturnConsumedCapacity === "INDEXES";
      merged.ConsumedCapacity = [...capacity].map(([TableName, CapacityUnits]) => ({
        TableName,
        CapacityUnits,
        ...(indexes ? { Table: { CapacityUnits } } : {}),
      }));
    }
    return { status: 200, body: JSON.stringify(merged) };
  }

  async function route(operation: string, input: Record<string, unknown>, body: string): Promise<NodeAnswer> {
    if (operation === "BatchWriteItem") return forwardBatchWrite(input, body);
    const target = await targetOf(operation, input);
    const answer = await forward(operation, body, target, isRepeatable(operation, input), false, () =>
      targetOf(operation, input),
    );
    if (operation === "DeleteTable" && answer.status === 200 && typeof input.TableName === "string") {
      keySchemas.delete(input.TableName);
    }
    return answer;
  }

  /** The header lines of every answer; Content-Length, Date and Connection are the server's. */
  function headerLines(body: string, requestId: string, contentType: string): string {
    return `content-type: ${contentType}\r\nx-amzn-requestid: ${requestId}\r\nx-amz-crc32: ${crc32(body)}\r\n`;
  }

  function reply(exchange: Exchange, answer: NodeAnswer, requestId: string, contentType = jsonContentType) {
    exchange.respond(answer.status, headerLines(answer.body, requestId, contentType), answer.body);
  }

  async function handleApi(request: ParsedRequest, exchange: Exchange, requestId: string) {
    let operation = "unknown";
    let answer: NodeAnswer;
    try {
      const body = request.body;
      verifier.verify(request.method, request.url, request.headers, body);
      const target = request.headers["x-amz-target"] ?? "";
      const name = target.slice(targetPrefix.length);
      if (!target.startsWith(targetPrefix) || !Object.hasOwn(operations, name)) {
        throw new DynamoError("UnknownOperationException", "An unknown operation was requested.");
      }
      operation = name;
      // The node parses the client's own text: serializing the parsed input again would cost as much.
      const text = body.length === 0 ? "{}" : body.toString("utf8");
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch {
        throw new DynamoError("SerializationException", "The request body is not valid JSON.");
      }
      if (input === null || typeof input !== "object" || Array.isArray(input)) {
        throw new DynamoError("SerializationException", "The request body must be a JSON object.");
      }
      answer = await route(operation, input as Record<string, unknown>, text);
    } catch (error) {
      if (error instanceof DynamoError) {
        answer = dynamoErrorAnswer(error);
      } else {
        process.stderr.write(
          `${JSON.stringify({ level: "error", requestId, operation, error: String(error) })}\n`,
        );
        answer = dynamoErrorAnswer(new DynamoError("InternalServerError", "Internal server error", 500));
      }
    }
    const outcome = answer.status === 200 ? "ok" : String(answer.status);
    requests.inc({ operation, outcome });
    reply(exchange, answer, requestId);
  }

  async function nodeStatuses(): Promise<Map<string, NodeStatus | undefined>> {
    const entries = await Promise.all(
      nodeIds.map(async (node) => {
        try {
          const response = await askNode(node, "/cluster/status");
          if (response.status !== 200) return [node, undefined] as const;
          return [node, JSON.parse(response.body) as NodeStatus] as const;
        } catch {
          return [node, undefined] as const;
        }
      }),
    );
    return new Map(entries);
  }

  /** The voters of `meta` by its newest leader (the map does not hold them), else every node. */
  function metaReplicas(statuses: ReadonlyMap<string, NodeStatus | undefined>): readonly string[] {
    let leader: NodeStatus["groups"][number] | undefined;
    for (const status of statuses.values()) {
      const entry = status?.groups.find((candidate) => candidate.group === metaGroup);
      if (entry?.role === "leader" && (leader === undefined || entry.term > leader.term)) leader = entry;
    }
    return leader?.voters ?? nodeIds;
  }

  /** GET /admin/partitions: every group, its key range, replicas with zones, leader, term, commit and lag. */
  async function adminPartitions(): Promise<unknown> {
    const statuses = await nodeStatuses();
    await refreshMap();
    const records = new Map(currentGroups(groups ?? []).map((record) => [record.name, record]));
    const listed = [metaGroup, ...records.keys()];
    return {
      nodes: nodeIds.map((node) => ({
        id: node,
        url: options.nodes.get(node),
        zone: statuses.get(node)?.zone ?? zones.get(node),
        reachable: statuses.get(node) !== undefined,
      })),
      tables: [...keySchemas.keys()].sort(),
      partitions: listed.map((group) => {
        const record = records.get(group);
        const replicas = (record?.replicas ?? metaReplicas(statuses)).map((node) => {
          const status = statuses.get(node);
          return {
            node,
            zone: status?.zone ?? zones.get(node),
            group: status?.groups.find((entry) => entry.group === group),
          };
        });
        const leader = replicas
          .filter((replica) => replica.group?.role === "leader")
          .sort((a, b) => b.group!.term - a.group!.term)[0];
        const range = record && { startHash: record.startHash, endHash: record.endHash };
        return {
          id: group,
          kind: group === metaGroup ? "metadata" : "items",
          keyRange: range && {
            startHash: range.startHash,
            endHash: range.endHash,
            description: `partition key hash in [0x${range.startHash.toString(16).padStart(8, "0")}, 0x${range.endHash.toString(16).padStart(8, "0")})`,
          },
          leader: leader?.node,
          term: leader?.group?.term,
          commitIndex: leader?.group?.commitIndex,
          replicas: replicas.map(({ node, zone, group: state }) => {
            const match =
              node === leader?.node
                ? leader.group!.lastIndex
                : leader?.group?.followers.find((follower) => follower.id === node)?.match;
            return {
              node,
              zone,
              reachable: state !== undefined,
              role: state?.role,
              term: state?.term,
              commitIndex: state?.commitIndex,
              appliedIndex: state?.appliedIndex,
              lastIndex: state?.lastIndex,
              snapshotIndex: state?.snapshotIndex,
              matchIndex: match,
              lag: leader && match !== undefined ? leader.group!.lastIndex - match : undefined,
            };
          }),
        };
      }),
    };
  }

  function handle(request: ParsedRequest, exchange: Exchange) {
    const requestId = randomUUID();
    const { method, url } = request;
    if (method === "POST" && (url === "/" || url.startsWith("/?"))) {
      void handleApi(request, exchange, requestId);
      return;
    }
    const json = (status: number, body: unknown) =>
      reply(exchange, { status, body: JSON.stringify(body) }, requestId, "application/json");
    // The process id tells routers sharing a port apart.
    if (method === "GET" && url === "/healthz") return json(200, { status: "ok", router: process.pid });
    if (method === "GET" && url === "/admin/partitions") {
      adminPartitions().then(
        (view) => json(200, view),
        (error) => json(500, { error: { code: "ADMIN_FAILED", message: String(error) } }),
      );
      return;
    }
    if (method === "GET" && url === "/metrics") {
      registry.metrics().then(
        (text) => reply(exchange, { status: 200, body: text }, requestId, registry.contentType),
        (error) => json(500, { error: { code: "METRICS_FAILED", message: String(error) } }),
      );
      return;
    }
    json(404, { error: { code: "NOT_FOUND", message: `No route for ${method} ${url}.` } });
  }

  /** A request the HTTP layer refuses: a body over the bound is DynamoDB's error, the rest plain HTTP ones. */
  function refuse(error: HttpProtocolError) {
    const requestId = randomUUID();
    if (error.code === "REQUEST_TOO_LARGE") {
      requests.inc({ operation: "unknown", outcome: String(error.status) });
      const { body } = dynamoErrorAnswer(new DynamoError("RequestTooLarge", error.message, 413));
      return { headerLines: headerLines(body, requestId, jsonContentType), body };
    }
    const body = JSON.stringify({ error: { code: error.code, message: error.message } });
    return { headerLines: headerLines(body, requestId, "application/json"), body };
  }

  const server = new Http1Server({ handle, refuse }, { maxBodyBytes: maxRequestBytes, keepAliveTimeoutMs });
  const address = await server.listen(options.port, options.host ?? "127.0.0.1", {
    reusePort: options.reusePort ?? false,
  });
  const mapRefresh = setInterval(() => void refreshMap(), mapRefreshIntervalMs);
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${address.port}`,
    port: address.port,
    async close() {
      await server.close(drainTimeoutMs);
      for (const link of links.values()) clearInterval(link.livenessTimer);
      clearInterval(mapRefresh);
      forwardAgent.destroy();
      controlAgent.destroy();
    },
  };
}
