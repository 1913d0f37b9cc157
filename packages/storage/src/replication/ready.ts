/**
 * The `Ready` batch: everything a node wants done since the last batch. The caller handles it in this
 * order, then calls `advance(ready)`:
 *
 * 1. persist `snapshot` (replacing the whole durable log), then `entries` (replacing any durable entries
 *    from `entries[0].index` on), then `hardState`, durably (fsync);
 * 2. only then send `messages`: they promise what step 1 wrote (a vote, an appended entry);
 * 3. apply `snapshot` and `committedEntries` to the state machine, in order;
 * 4. answer the reads in `readStates` once the state machine has applied their index, and fail the
 *    requests in `abandonedReads`.
 */

import type { Entry, HardState, Message, Snapshot } from "./messages.js";
import type { ReadState } from "./read-index.js";

export interface Ready {
  /** Present when term, vote or commit changed. */
  readonly hardState: HardState | undefined;
  /** A snapshot received from the leader, to persist and install. */
  readonly snapshot: Snapshot | undefined;
  /** Entries to append durably. */
  readonly entries: readonly Entry[];
  /** Messages to send after the above is durable, in any order, over an unreliable network. */
  readonly messages: readonly Message[];
  /** Committed entries to apply, in index order. */
  readonly committedEntries: readonly Entry[];
  /** Confirmed read-index requests. */
  readonly readStates: readonly ReadState[];
  /** Read-index requests dropped because this node stopped leading; the client should retry elsewhere. */
  readonly abandonedReads: readonly string[];
}
