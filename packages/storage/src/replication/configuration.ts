/**
 * The membership of a replication group: who votes, who only receives the log, and the single-server
 * changes that move from one membership to the next (Raft dissertation §4.1). A configuration travels
 * in the log as the payload of a "config" entry, whole rather than as a delta, so that a node that
 * missed earlier changes learns the membership from the newest entry alone.
 */
import { RaftStorageError } from "./errors.js";
import type { NodeId } from "./messages.js";

/**
 * Voters elect the leader and form every majority (commit, read index, check-quorum). Learners receive
 * appends, heartbeats and snapshots but never count: a new member catches up as a learner before it is
 * promoted, so that it does not stall commits while it is far behind. Both lists are sorted.
 */
export interface Configuration {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/**
 * One single-server change. `addLearner`: a new member that receives the log; `promoteLearner`: the
 * learner becomes a voter; `removeNode`: a voter or learner leaves the group.
 */
export interface ConfigChange {
  readonly type: "addLearner" | "promoteLearner" | "removeNode";
  readonly node: NodeId;
}

/**
 * Why a change is refused by `applyConfigChange`: adding a member that already belongs
 * (`AlreadyMember`), promoting a node that is not a learner (`NotLearner`), removing a node that does
 * not belong (`NotMember`), removing the only voter (`LastVoter`).
 */
export type ConfigChangeProblem = "AlreadyMember" | "NotLearner" | "NotMember" | "LastVoter";

/** The configuration of a node that joins a group and has not yet been told who its members are. */
export const unknownConfiguration: Configuration = Object.freeze({
  voters: Object.freeze([]),
  learners: Object.freeze([]),
});

export function configurationOf(voters: readonly NodeId[], learners: readonly NodeId[] = []): Configuration {
  return { voters: [...voters].sort(), learners: [...learners].sort() };
}

/** Whether the configuration names no voter: only a joining node that has not learned it yet. */
export function isUnknownConfiguration(config: Configuration): boolean {
  return config.voters.length === 0;
}

export function isVoter(config: Configuration, node: NodeId): boolean {
  return config.voters.includes(node);
}

export function isMember(config: Configuration, node: NodeId): boolean {
  return config.voters.includes(node) || config.learners.includes(node);
}

/** Votes or acknowledgements needed from the voters: a strict majority of them. */
export function quorumOf(config: Configuration): number {
  return Math.floor(config.voters.length / 2) + 1;
}

/** The configuration after `change`, or the reason the change does not apply to `config`. */
export function applyConfigChange(
  config: Configuration,
  change: ConfigChange,
): { ok: true; config: Configuration } | { ok: false; problem: ConfigChangeProblem } {
  const { node } = change;
  switch (change.type) {
    case "addLearner":
      if (isMember(config, node)) return { ok: false, problem: "AlreadyMember" };
      return { ok: true, config: configurationOf(config.voters, [...config.learners, node]) };
    case "promoteLearner":
      if (!config.learners.includes(node)) return { ok: false, problem: "NotLearner" };
      return {
        ok: true,
        config: configurationOf(
          [...config.voters, node],
          config.learners.filter((learner) => learner !== node),
        ),
      };
    case "removeNode":
      if (!isMember(config, node)) return { ok: false, problem: "NotMember" };
      if (config.voters.length === 1 && config.voters[0] === node) return { ok: false, problem: "LastVoter" };
      return {
        ok: true,
        config: configurationOf(
          config.voters.filter((voter) => voter !== node),
          config.learners.filter((learner) => learner !== node),
        ),
      };
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The payload of a "config" entry. */
export function encodeConfiguration(config: Configuration): Uint8Array {
  return encoder.encode(JSON.stringify({ voters: config.voters, learners: config.learners }));
}

/** Reads the payload of a "config" entry; throws `RaftStorageError` if it is not one. */
export function decodeConfiguration(data: Uint8Array): Configuration {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    throw new RaftStorageError("a config entry does not hold a configuration");
  }
  const { voters, learners } = (parsed ?? {}) as { voters?: unknown; learners?: unknown };
  if (!isNodeList(voters) || !isNodeList(learners) || voters.length === 0) {
    throw new RaftStorageError("a config entry does not hold a configuration with at least one voter");
  }
  return configurationOf(voters, learners);
}

function isNodeList(value: unknown): value is NodeId[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string" && item !== "");
}
