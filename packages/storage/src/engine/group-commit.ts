/**
 * Group commit of the engine's write transactions: transactions submitted while a commit is being
 * prepared run one after another inside one LMDB write transaction, which ends with `afterSteps`
 * (the partition counters, stored once per commit), and all of them settle once that commit is
 * flushed to disk. Each step is its own unit: a step that throws settles with its error and the
 * others still commit, as with separate transactions.
 */

/** Runs `work` inside one LMDB write transaction and resolves once its commit is on disk. */
export type DurableRunner = (work: () => void) => Promise<void>;

export interface GroupCommitOptions {
  /** Runs one commit; see `DurableRunner`. */
  runDurably: DurableRunner;
  /** Runs inside each commit after its steps, even when some of them threw. */
  afterSteps: () => void;
  /** Runs when a commit fails (nothing of it is stored), before its steps are rejected. */
  onCommitFailure: () => void;
  /**
   * Most steps run by one commit's work; the rest run in the next one (which LMDB may still fold into
   * the same transaction). Default 1000.
   */
  maxStepsPerCommit?: number;
}

interface PendingStep {
  step: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

const defaultMaxStepsPerCommit = 1_000;

export class GroupCommit {
  readonly #runDurably: DurableRunner;
  readonly #afterSteps: () => void;
  readonly #onCommitFailure: () => void;
  readonly #maxStepsPerCommit: number;
  #waiting: PendingStep[] = [];
  /** True while a commit has been requested whose steps have not run yet. */
  #scheduled = false;

  constructor(options: GroupCommitOptions) {
    this.#runDurably = options.runDurably;
    this.#afterSteps = options.afterSteps;
    this.#onCommitFailure = options.onCommitFailure;
    this.#maxStepsPerCommit = options.maxStepsPerCommit ?? defaultMaxStepsPerCommit;
    if (!Number.isInteger(this.#maxStepsPerCommit) || this.#maxStepsPerCommit < 1) {
      throw new RangeError("maxStepsPerCommit must be a positive integer");
    }
  }

  /** Runs `step` synchronously in the next commit; settles with its result once that commit is durable. */
  submit<T>(step: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ step, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) this.#schedule();
    });
  }

  #schedule(): void {
    this.#scheduled = true;
    let batch: PendingStep[] | undefined;
    const commit = this.#runDurably(() => {
      batch = this.#take();
      try {
        for (const pending of batch) {
          try {
            pending.outcome = { ok: true, value: pending.step() };
          } catch (error) {
            pending.outcome = { ok: false, error };
          }
        }
      } finally {
        this.#afterSteps();
      }
    });
    commit.then(
      () => {
        for (const { outcome, resolve, reject } of batch ?? []) {
          if (outcome?.ok) resolve(outcome.value);
          else reject(outcome?.error);
        }
      },
      (error: unknown) => {
        this.#onCommitFailure();
        if (batch === undefined) {
          // The commit failed before its steps ran: they are all still waiting for it.
          this.#scheduled = false;
          batch = this.#waiting;
          this.#waiting = [];
        }
        for (const { reject } of batch) reject(error);
      },
    );
  }

  /** The steps of the commit now running; schedules the next commit for any left over. */
  #take(): PendingStep[] {
    this.#scheduled = false;
    let batch = this.#waiting;
    if (batch.length > this.#maxStepsPerCommit) {
      this.#waiting = batch.slice(this.#maxStepsPerCommit);
      batch = batch.slice(0, this.#maxStepsPerCommit);
      this.#schedule();
    } else {
      this.#waiting = [];
    }
    return batch;
  }
}
