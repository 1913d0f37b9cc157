/**
 * The errors the Raft module throws. Each is a class with a stable `code`; none of them is a normal
 * outcome (a proposal on a follower is a result, not an error): they mean the caller broke the
 * contract, the restored storage is inconsistent, or a safety invariant failed.
 */

/** Base class of every error thrown by the replication module. */
export class RaftError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The options given to `new RaftNode(...)` are invalid. */
export class RaftConfigError extends RaftError {
  constructor(message: string) {
    super("RAFT_INVALID_CONFIG", message);
  }
}

/** The caller broke the node's contract, for example by calling `ready()` twice without `advance()`. */
export class RaftUsageError extends RaftError {
  constructor(message: string) {
    super("RAFT_USAGE", message);
  }
}

/** The restored storage state cannot have been written by a correct node (gaps, commit past the log). */
export class RaftStorageError extends RaftError {
  constructor(message: string) {
    super("RAFT_CORRUPT_STORAGE", message);
  }
}

/**
 * A safety invariant would be violated, for example truncating a committed entry. Continuing could
 * lose acknowledged writes, so the node refuses; the process should stop and be investigated.
 */
export class RaftInvariantError extends RaftError {
  constructor(message: string) {
    super("RAFT_INVARIANT", message);
  }
}
