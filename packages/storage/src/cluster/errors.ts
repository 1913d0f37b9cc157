/**
 * The errors of the replicated cluster, each a class with a stable `code`. `NotLeaderError` and
 * `ProposalDroppedError` are normal outcomes of a leader change: the node answers them with HTTP 421
 * and the router retries elsewhere, which is safe because neither write was applied.
 */

export class ClusterError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** This node does not lead `group` (or leads it but has not yet applied its predecessors' entries). */
export class NotLeaderError extends ClusterError {
  readonly group: string;
  /** The node id this node believes leads the group, if it knows one. */
  readonly leaderHint: string | undefined;

  constructor(group: string, leaderHint: string | undefined) {
    super("NOT_LEADER", `this node does not lead ${group}${leaderHint ? `; try ${leaderHint}` : ""}`);
    this.group = group;
    this.leaderHint = leaderHint;
  }
}

/** A proposal lost to a leader change: another entry was committed at its index, so it never applied. */
export class ProposalDroppedError extends ClusterError {
  constructor(group: string, index: number) {
    super("PROPOSAL_DROPPED", `the write proposed at ${group}:${index} was dropped by a leader change`);
  }
}

/** The outcome of a proposal or read is unknown after waiting for its bound; the caller may not retry blindly. */
export class ClusterTimeoutError extends ClusterError {
  constructor(what: string, timeoutMs: number) {
    super("CLUSTER_TIMEOUT", `${what} did not complete within ${timeoutMs} ms`);
  }
}

/** The leader refused more work until commits catch up (Raft's uncommitted or read-queue bound). */
export class ClusterBusyError extends ClusterError {
  constructor(group: string, reason: string) {
    super("CLUSTER_BUSY", `${group} is busy (${reason}); retry shortly`);
  }
}

/** A node's configuration or its data directory does not fit the cluster it is asked to join. */
export class ClusterConfigError extends ClusterError {
  constructor(message: string) {
    super("CLUSTER_CONFIG", message);
  }
}

/** A write's fate is unknown: its entry was covered by a snapshot from the new leader before it could be matched. */
export class OutcomeUnknownError extends ClusterError {
  constructor(group: string, index: number) {
    super("OUTCOME_UNKNOWN", `the write proposed at ${group}:${index} may or may not have been applied`);
  }
}

/** Another cross-group transaction holds a lock on one of the keys (see README.md, "Transactions"). */
export class LockConflictError extends ClusterError {
  /** Positions, in the lock request's key list, of the keys another transaction holds. */
  readonly positions: number[];

  constructor(group: string, positions: number[]) {
    super("LOCK_CONFLICT", `another transaction holds a lock on ${positions.length} of the keys in ${group}`);
    this.positions = positions;
  }
}

/**
 * A key is no longer (or not yet) owned by the group a request was decided in: the group split, or the
 * caller's map is older than this node's. Nothing was written; the node answers 421 with a "map
 * changed" marker and the router refreshes its map and retries.
 */
export class WrongGroupError extends ClusterError {
  readonly group: string;

  constructor(group: string) {
    super("GROUP_MAP_CHANGED", `${group} does not own the key any more: the partition map changed`);
    this.group = group;
  }
}

/**
 * A group about to split refuses new transaction locks until those it holds are finished. Not
 * repeated by the coordinator: it aborts, releasing its other locks, and the router sends the whole
 * transaction again (503), by when the group has split.
 */
export class GroupSplittingError extends ClusterError {
  constructor(group: string) {
    super("GROUP_SPLITTING", `${group} takes no new transaction locks until it has split`);
  }
}
