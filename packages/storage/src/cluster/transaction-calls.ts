/**
 * The coordinator's calls to partition group leaders (`lock`, `decide`, `finish`, `forget`), wherever
 * the leader runs: on this node they go straight to its `TransactionParticipant`, elsewhere over the
 * internal API (`POST /cluster/txn/<call>`). Every call is idempotent (a repeated lock finds its own
 * lock, the first decision wins, a finish acts only while the lock is held), so a call is repeated
 * through leader changes, busy answers and broken connections within `budgetMs`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoError, type DynamoErrorType } from "../errors.js";
import {
  ClusterBusyError,
  ClusterTimeoutError,
  GroupSplittingError,
  LockConflictError,
  NotLeaderError,
  OutcomeUnknownError,
  ProposalDroppedError,
  WrongGroupError,
} from "./errors.js";
import type { HostedGroups } from "./hosted-groups.js";
import type { TransactionCalls, TransactionParticipant } from "./transaction-participant.js";
import { type NodeAddress, NodeConnections, nodeAddress, requestNode } from "./transport.js";

export type TransactionCallName = keyof TransactionCalls;

export const transactionCallPath = "/cluster/txn/";

export interface TransactionCallsClientOptions {
  nodeId: string;
  /** Every node, id → base URL of its internal API. */
  peers: ReadonlyMap<string, string>;
  participant: TransactionParticipant;
  /** This node's replicas of the item groups (for the leader each one knows). */
  groups: HostedGroups;
  /** Time one call may spend on repeats before its last error is thrown. Default 10000 ms. */
  budgetMs?: number;
}

export const defaultCallBudgetMs = 10_000;
/** Attempts per call at most. */
const maxCallAttempts = 100;
/** Pause between attempts (an election usually ends within a few of them). Milliseconds. */
const retryPauseMs = 50;
/** Time one internal request may stay unanswered; a slower one is repeated (every call is idempotent). */
const callTimeoutMs = 5_000;
/** Connections kept to each other node for calls; more calls at once wait for one. */
const maxCallConnectionsPerNode = 16;

/** The `attempt`-th of the nodes other than `nodeId`, in turn. */
function otherNode(peers: ReadonlyMap<string, string>, nodeId: string, attempt: number): string | undefined {
  const others = [...peers.keys()].filter((id) => id !== nodeId);
  return others[attempt % Math.max(1, others.length)];
}

/** The leader's node could not be reached or broke the connection; the call may be repeated. */
class RemoteUnreachableError extends Error {}

/** Errors after which the same call may simply be made again, here or on the next leader. */
function isRetryable(error: unknown): boolean {
  return (
    error instanceof NotLeaderError ||
    error instanceof ProposalDroppedError ||
    error instanceof ClusterBusyError ||
    error instanceof ClusterTimeoutError ||
    error instanceof OutcomeUnknownError ||
    error instanceof RemoteUnreachableError
  );
}

export class TransactionCallsClient implements TransactionCalls {
  readonly #options: TransactionCallsClientOptions;
  readonly #budgetMs: number;
  readonly #connections = new NodeConnections({ maxConnectionsPerNode: maxCallConnectionsPerNode });
  readonly #addresses = new Map<string, NodeAddress>();

  constructor(options: TransactionCallsClientOptions) {
    this.#options = options;
    this.#budgetMs = options.budgetMs ?? defaultCallBudgetMs;
    for (const url of options.peers.values()) this.#addresses.set(url, nodeAddress(url));
  }

  /** Closes the connections to the other nodes; calls in flight fail (and are repeated by no one). */
  close(): void {
    this.#connections.destroy();
  }

  lock: TransactionCalls["lock"] = (request) => this.#call("lock", request.group, request);
  decide: TransactionCalls["decide"] = (request) => this.#call("decide", request.group, request);
  finish: TransactionCalls["finish"] = (request) => this.#call("finish", request.group, request);
  forget: TransactionCalls["forget"] = (request) => this.#call("forget", request.group, request);

  async #call<T>(name: TransactionCallName, group: string, request: unknown): Promise<T> {
    const { participant, groups, nodeId, peers } = this.#options;
    const deadline = Date.now() + this.#budgetMs;
    let hint: string | undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxCallAttempts && Date.now() < deadline; attempt++) {
      if (attempt > 0) await sleep(retryPauseMs);
      try {
        if (participant.leads(group)) {
          const call = participant[name] as (request: unknown) => Promise<unknown>;
          return (await call.call(participant, request)) as T;
        }
        // A group this node does not host yet (a split not applied here) is asked of every other node.
        const leader = hint ?? groups.get(group)?.replica.leaderId ?? otherNode(peers, nodeId, attempt);
        hint = undefined;
        const url = leader === undefined || leader === nodeId ? undefined : peers.get(leader);
        if (url === undefined) throw new NotLeaderError(group, undefined);
        return (await this.#remote(url, name, group, request)) as T;
      } catch (error) {
        if (error instanceof NotLeaderError) hint = error.leaderHint;
        if (!isRetryable(error)) throw error;
        lastError = error;
      }
    }
    throw lastError ?? new ClusterTimeoutError(`the ${name} call to ${group}`, this.#budgetMs);
  }

  async #remote(url: string, name: TransactionCallName, group: string, request: unknown): Promise<unknown> {
    let response: { status: number; body: string };
    try {
      response = await requestNode(this.#connections, this.#addresses.get(url) ?? nodeAddress(url), {
        method: "POST",
        path: `${transactionCallPath}${name}`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        timeoutMs: callTimeoutMs,
      }).answer;
    } catch (error) {
      throw new RemoteUnreachableError(String(error));
    }
    const text = response.body;
    const answer = (text.length > 0 ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (response.status === 200) return answer;
    if (response.status === 409) {
      throw new LockConflictError(group, (answer.positions as number[] | undefined) ?? []);
    }
    if (response.status === 421 && answer.code === "GROUP_MAP_CHANGED") throw new WrongGroupError(group);
    if (response.status === 421 && answer.code === "GROUP_SPLITTING") throw new GroupSplittingError(group);
    if (response.status === 421) {
      throw new NotLeaderError(group, typeof answer.leaderHint === "string" ? answer.leaderHint : undefined);
    }
    if (response.status === 503) throw new ClusterBusyError(group, String(answer.message ?? "busy"));
    if (typeof answer.__type === "string") {
      const type = answer.__type.slice(answer.__type.indexOf("#") + 1) as DynamoErrorType;
      throw new DynamoError(type, String(answer.message ?? ""), response.status);
    }
    throw new Error(`the ${name} call to ${group} answered ${response.status}: ${text}`);
  }
}
