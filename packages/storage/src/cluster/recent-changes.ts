/**
 * The log index at which this replica last changed (wrote or locked) each recently touched item, kept
 * in memory within a bound. A cross-group TransactGetItems uses it to check that nothing it read
 * changed between its read and a later read barrier; when the answer is forgotten (evicted, or from
 * before this process started or installed a snapshot) it says "maybe changed", which costs a retry,
 * never a wrong answer.
 */

/** Items remembered per group; the oldest are forgotten first. */
export const maxTrackedChanges = 10_000;

export class RecentChanges {
  readonly #changedAt = new Map<string, number>();
  /** Changes at or below this index may have been forgotten. */
  #forgottenThrough: number;

  constructor(knownFromIndex: number) {
    this.#forgottenThrough = knownFromIndex;
  }

  record(itemKey: string, index: number): void {
    this.#changedAt.delete(itemKey);
    this.#changedAt.set(itemKey, index);
    if (this.#changedAt.size <= maxTrackedChanges) return;
    const [oldestKey, oldestIndex] = this.#changedAt.entries().next().value as [string, number];
    this.#changedAt.delete(oldestKey);
    this.#forgottenThrough = Math.max(this.#forgottenThrough, oldestIndex);
  }

  /** Forgets everything up to `index` (a snapshot replaced the state). */
  forgetThrough(index: number): void {
    this.#changedAt.clear();
    this.#forgottenThrough = Math.max(this.#forgottenThrough, index);
  }

  /** Whether `itemKey` may have changed after log index `index`. */
  mayHaveChangedAfter(itemKey: string, index: number): boolean {
    if (index < this.#forgottenThrough) return true;
    return (this.#changedAt.get(itemKey) ?? 0) > index;
  }
}
