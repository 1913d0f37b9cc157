/**
 * The Raft log of one node, in memory: the latest snapshot (the compacted prefix) followed by the
 * entries after it, with two cursors the `Ready` loop moves. `persistedIndex`: everything up to it is
 * durable on this node's disk; entries after it go into the next `Ready`. `applied`: everything up to
 * it has been handed to the state machine and acknowledged with `advance`.
 *
 * The log also knows the group's configuration at every index it holds: the snapshot's, changed by
 * each "config" entry after it. Truncating a config entry therefore reverts to the configuration before
 * it, as the single-server change rules require.
 */
import { type Configuration, decodeConfiguration } from "./configuration.js";
import { RaftInvariantError } from "./errors.js";
import type { Entry, Snapshot } from "./messages.js";

interface ConfigAt {
  readonly index: number;
  readonly config: Configuration;
}

/** Where a follower's log may still match the leader's; see `RaftLog.findConflictByTerm`. */
export interface LogPosition {
  index: number;
  /** Term at `index`, or 0 when it is unknown (compacted). */
  term: number;
}

export class RaftLog {
  #snapshot: Snapshot;
  /** False while a snapshot received from the leader waits to be persisted through a `Ready`. */
  #snapshotPersisted = true;
  /** `#entries[k].index === #snapshot.index + 1 + k`. */
  #entries: Entry[];
  #persistedIndex: number;
  #committed: number;
  #applied: number;
  /**
   * The config entries after the snapshot, in index order; never longer than the log, as compaction
   * folds the old ones into the snapshot's configuration.
   */
  #configs: ConfigAt[] = [];

  constructor(snapshot: Snapshot, entries: readonly Entry[], committed: number, applied: number) {
    this.#snapshot = snapshot;
    this.#entries = [...entries];
    this.#recordConfigs(entries);
    this.#persistedIndex = this.lastIndex();
    this.#committed = committed;
    this.#applied = applied;
  }

  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  get committed(): number {
    return this.#committed;
  }

  get applied(): number {
    return this.#applied;
  }

  get persistedIndex(): number {
    return this.#persistedIndex;
  }

  firstIndex(): number {
    return this.#snapshot.index + 1;
  }

  lastIndex(): number {
    return this.#snapshot.index + this.#entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** Term of the entry at `index`; undefined when it is compacted away or past the end. */
  term(index: number): number | undefined {
    if (index === this.#snapshot.index) return this.#snapshot.term;
    return this.entry(index)?.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.#snapshot.index) return undefined;
    return this.#entries[index - this.#snapshot.index - 1];
  }

  /** The configuration in force at `index`; undefined when `index` is before the snapshot or past the end. */
  configurationAt(index: number): Configuration | undefined {
    if (index < this.#snapshot.index || index > this.lastIndex()) return undefined;
    for (let k = this.#configs.length - 1; k >= 0; k--) {
      const change = this.#configs[k]!;
      if (change.index <= index) return change.config;
    }
    return this.#snapshot.config;
  }

  /** The newest configuration in the log, in force from the moment it was appended. */
  latestConfiguration(): Configuration {
    return this.#configs.at(-1)?.config ?? this.#snapshot.config;
  }

  /** Index of the newest config entry still in the log (not compacted), or 0 when there is none. */
  latestConfigIndex(): number {
    return this.#configs.at(-1)?.index ?? 0;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourLastTerm = this.lastTerm();
    return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries from `from` on, at most `maxCount` of them and at most `maxBytes` of payload, but always
   * at least one so that an entry larger than `maxBytes` still moves. Undefined if `from` is compacted.
   */
  slice(from: number, maxCount: number, maxBytes: number): Entry[] | undefined {
    if (from <= this.#snapshot.index) return undefined;
    const start = from - this.#snapshot.index - 1;
    const end = Math.min(this.#entries.length, start + maxCount);
    const result: Entry[] = [];
    let bytes = 0;
    for (let k = start; k < end; k++) {
      const entry = this.#entries[k]!;
      bytes += entry.data.byteLength;
      if (result.length > 0 && bytes > maxBytes) break;
      result.push(entry);
    }
    return result;
  }

  /**
   * The largest index at or below `index` whose term is at most `term`: no entry with a greater term
   * can match a log whose entry at `index` has `term`, because terms only grow along a log.
   */
  findConflictByTerm(index: number, term: number): LogPosition {
    for (let i = Math.min(index, this.lastIndex()); i >= 0; i--) {
      const found = this.term(i);
      if (found === undefined) return { index: i, term: 0 };
      if (found <= term) return { index: i, term: found };
    }
    return { index: 0, term: 0 };
  }

  /**
   * The follower's side of AppendEntries. Returns the index of the last new entry if the log holds
   * `prevIndex` with `prevTerm` (the Log Matching check), else undefined and the log is unchanged.
   * Entries already present are skipped, so that a duplicated or reordered message never truncates.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    commit: number,
    entries: readonly Entry[],
  ): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNewIndex = prevIndex + entries.length;
    const conflict = entries.findIndex((entry) => !this.matchTerm(entry.index, entry.term));
    if (conflict >= 0) this.append(entries.slice(conflict));
    this.commitTo(Math.min(commit, lastNewIndex));
    return lastNewIndex;
  }

  /** Appends entries that follow on from index `entries[0].index - 1`, replacing anything after it. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const after = first.index - 1;
    if (after < this.#committed) {
      throw new RaftInvariantError(
        `refusing to overwrite committed entry ${first.index} (commit ${this.#committed})`,
      );
    }
    if (after > this.lastIndex()) {
      throw new RaftInvariantError(`entry ${first.index} would leave a gap after ${this.lastIndex()}`);
    }
    this.#entries.length = after - this.#snapshot.index;
    for (const entry of entries) this.#entries.push(entry);
    this.#persistedIndex = Math.min(this.#persistedIndex, after);
    while ((this.#configs.at(-1)?.index ?? 0) > after) this.#configs.pop();
    this.#recordConfigs(entries);
  }

  #recordConfigs(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.kind === "config") {
        this.#configs.push({ index: entry.index, config: decodeConfiguration(entry.data) });
      }
    }
  }

  commitTo(index: number): boolean {
    if (index <= this.#committed) return false;
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(`commit ${index} is past the last entry ${this.lastIndex()}`);
    }
    this.#committed = index;
    return true;
  }

  /** Entries not yet durable: the `entries` of the next `Ready`. */
  unpersistedEntries(): readonly Entry[] {
    return this.#entries.slice(this.#persistedIndex - this.#snapshot.index);
  }

  /** The received snapshot still waiting to be persisted, if any. */
  pendingSnapshot(): Snapshot | undefined {
    return this.#snapshotPersisted ? undefined : this.#snapshot;
  }

  /**
   * Records that `written` (the entries of an advanced `Ready`) are durable. The log may have been
   * truncated since the batch was taken, so only the part that still matches counts.
   */
  persisted(written: readonly Entry[]): void {
    for (let k = written.length - 1; k >= 0; k--) {
      const entry = written[k]!;
      if (entry.index <= this.#persistedIndex) return;
      if (this.matchTerm(entry.index, entry.term)) {
        this.#persistedIndex = entry.index;
        return;
      }
    }
  }

  snapshotPersisted(snapshot: Snapshot): void {
    if (snapshot !== this.#snapshot) return;
    this.#snapshotPersisted = true;
    this.#applied = Math.max(this.#applied, snapshot.index);
  }

  /** Committed entries not yet applied, bounded like `slice`. */
  entriesToApply(maxCount: number, maxBytes: number): readonly Entry[] {
    const from = Math.max(this.#applied, this.#snapshot.index) + 1;
    const last = Math.min(this.#committed, this.lastIndex());
    if (from > last) return [];
    return this.slice(from, Math.min(maxCount, last - from + 1), maxBytes) ?? [];
  }

  appliedTo(index: number): void {
    if (index > this.#committed) {
      throw new RaftInvariantError(`applied ${index} is past the commit index ${this.#committed}`);
    }
    this.#applied = Math.max(this.#applied, index);
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    if (snapshot.index <= this.#committed) {
      throw new RaftInvariantError(
        `snapshot ${snapshot.index} is not past the commit index ${this.#committed}`,
      );
    }
    this.#snapshot = snapshot;
    this.#snapshotPersisted = false;
    this.#entries = [];
    this.#configs = [];
    this.#persistedIndex = snapshot.index;
    this.#committed = snapshot.index;
  }

  /** Discards the entries up to `index`, which the caller has captured durably in `data`. */
  compact(index: number, data: Uint8Array): void {
    const term = this.term(index);
    const config = this.configurationAt(index);
    if (term === undefined || config === undefined) {
      throw new RaftInvariantError(`cannot compact at unknown index ${index}`);
    }
    this.#entries = this.#entries.slice(index - this.#snapshot.index);
    this.#configs = this.#configs.filter((change) => change.index > index);
    this.#snapshot = { index, term, config, data };
  }
}
