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
  LockConflictError,
  NotLeaderError,
  OutcomeUnknownError,
  ProposalDroppedError,
} from "./errors.js";
import type { Replica } from "./replica.js";
import type { TransactionCalls, TransactionParticipant } from "./transaction-participant.js";

export type TransactionCallName = keyof TransactionCalls;

export const transactionCallPath = "/cluster/txn/";

export interface TransactionCallsClientOptions {
  nodeId: string;
  /** Every node, id → base URL of its internal API. */
  peers: ReadonlyMap<string, string>;
  participant: TransactionParticipant;
  /** This node's replicas of the partition groups (for the leader each one knows). */
  partitions: readonly Replica[];
  /** Time one call may spend on repeats before its last error is thrown. Default 10000 ms. */
  budgetMs?: number;
}

export const defaultCallBudgetMs = 10_000;
/** Attempts per call at most. */
const maxCallAttempts = 100;
/** Pause between attempts (an election usually ends within a few of them). Milliseconds. */
const retryPauseMs = 50;
/** Time allowed for one internal request; a slower one is repeated (every call is idempotent). */
const callTimeoutMs = 5_000;

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

  constructor(options: TransactionCallsClientOptions) {
    this.#options = options;
    this.#budgetMs = options.budgetMs ?? defaultCallBudgetMs;
  }

  lock: TransactionCalls["lock"] = (request) => this.#call("lock", request.group, request);
  decide: TransactionCalls["decide"] = (request) => this.#call("decide", request.group, request);
  finish: TransactionCalls["finish"] = (request) => this.#call("finish", request.group, request);
  forget: TransactionCalls["forget"] = (request) => this.#call("forget", request.group, request);

  async #call<T>(name: TransactionCallName, group: number, request: unknown): Promise<T> {
    const { participant, partitions, nodeId, peers } = this.#options;
    const replica = partitions[group];
    if (!replica) throw new RangeError(`no partition group ${group}`);
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
        const leader = hint ?? replica.leaderId;
        hint = undefined;
        const url = leader === undefined || leader === nodeId ? undefined : peers.get(leader);
        if (url === undefined) throw new NotLeaderError(replica.group, undefined);
        return (await this.#remote(url, name, replica.group, request)) as T;
      } catch (error) {
        if (error instanceof NotLeaderError) hint = error.leaderHint;
        if (!isRetryable(error)) throw error;
        lastError = error;
      }
    }
    throw lastError ?? new ClusterTimeoutError(`the ${name} call to ${replica.group}`, this.#budgetMs);
  }

  async #remote(url: string, name: TransactionCallName, group: string, request: unknown): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${url}${transactionCallPath}${name}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(callTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new RemoteUnreachableError(String(error));
    }
    const answer = (text.length > 0 ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (response.status === 200) return answer;
    if (response.status === 409) {
      throw new LockConflictError(group, (answer.positions as number[] | undefined) ?? []);
    }
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
