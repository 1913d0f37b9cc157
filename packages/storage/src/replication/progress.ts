/**
 * What a leader knows about one follower's log, and the flow control of what it sends next.
 *
 * - `probe`: the leader does not know where the logs match; it sends one append at a time and waits
 *   for the answer (or the next heartbeat) before sending another.
 * - `replicate`: the logs match up to `match`; the leader streams appends optimistically, at most
 *   `maxInflightAppends` unanswered at once.
 * - `snapshot`: the follower needs entries that were compacted; the leader sent a snapshot and sends
 *   nothing else until it is acknowledged or `snapshotRetryTicks` pass.
 */

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  /** Highest index known to be durable on the follower and identical to the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = "probe";
  /** In `probe`: an append is out and unanswered. */
  probeSent = false;
  /** In `snapshot`: the index of the snapshot sent. */
  pendingSnapshotIndex = 0;
  /** In `snapshot`: heartbeat ticks since the snapshot was sent. */
  snapshotTicks = 0;
  /** Whether the follower answered since the last check-quorum round. */
  recentActive = true;
  /** Last index of each unanswered append in `replicate`, oldest first; bounded by `#maxInflight`. */
  readonly #inflight: number[] = [];
  readonly #maxInflight: number;

  constructor(next: number, maxInflightAppends: number) {
    this.next = next;
    this.#maxInflight = maxInflightAppends;
  }

  /** Whether the leader must hold further appends to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.#inflight.length >= this.#maxInflight;
      case "snapshot":
        return true;
    }
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least the snapshot; otherwise resume right after `match`.
    this.next = Math.max(this.match + 1, this.state === "snapshot" ? this.pendingSnapshotIndex + 1 : 0);
    this.#reset("probe");
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.#reset("replicate");
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.#reset("snapshot");
    this.pendingSnapshotIndex = snapshotIndex;
  }

  #reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshotIndex = 0;
    this.snapshotTicks = 0;
    this.#inflight.length = 0;
  }

  /** Records an append just sent whose entries end at `lastIndex` (undefined when it had none). */
  sentAppend(lastIndex: number | undefined): void {
    if (this.state === "replicate") {
      if (lastIndex === undefined) return;
      this.next = lastIndex + 1;
      this.#inflight.push(lastIndex);
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  /** A successful answer up to `index`. Returns whether it moved `match` (stale answers do not). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    this.#freeUpTo(index);
    return updated;
  }

  /**
   * A rejection of the append after `rejected`; `matchHint` is the highest index that may still
   * match. Returns false for a stale rejection (one about an append older than the current attempt).
   */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * A heartbeat answer proves the follower is reachable: let one more append through, so that a lost
   * append cannot stall the follower forever.
   */
  heartbeatAnswered(): void {
    this.probeSent = false;
    if (this.state === "replicate" && this.#inflight.length >= this.#maxInflight) this.#inflight.shift();
  }

  #freeUpTo(index: number): void {
    let freed = 0;
    while (freed < this.#inflight.length && this.#inflight[freed]! <= index) freed++;
    this.#inflight.splice(0, freed);
  }
}
