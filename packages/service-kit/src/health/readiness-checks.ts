/**
 * The checks that decide whether a service is ready for traffic (`GET /readyz`). A check passes by
 * returning and fails by throwing (its message is the reason) or by not settling within
 * `checkTimeoutMs`. All checks run at once; the first failing one in registration order is reported.
 */

/** Passes by returning; fails by throwing an error whose message says why. */
export type ReadinessCheck = () => Promise<void> | void;

export interface ReadinessFailure {
  check: string;
  reason: string;
}

/** Default time one readiness check may take before it counts as failed, in milliseconds. */
export const defaultReadinessCheckTimeoutMs = 2_000;

export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>();
  readonly #checkTimeoutMs: number;

  constructor(checkTimeoutMs = defaultReadinessCheckTimeoutMs) {
    this.#checkTimeoutMs = checkTimeoutMs;
  }

  /** Registers a check under a name unique in this service. */
  add(name: string, check: ReadinessCheck): void {
    if (this.#checks.has(name))
      throw new Error(`a readiness check named ${JSON.stringify(name)} already exists`);
    this.#checks.set(name, check);
  }

  /** The first failure, or `undefined` when every check passes. */
  async firstFailure(): Promise<ReadinessFailure | undefined> {
    const outcomes = await Promise.all(
      [...this.#checks].map(async ([check, run]) => ({ check, reason: await this.#failureReason(run) })),
    );
    return outcomes.find((outcome): outcome is ReadinessFailure => outcome.reason !== undefined);
  }

  async #failureReason(check: ReadinessCheck): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.#checkTimeoutMs} ms`), this.#checkTimeoutMs);
    });
    try {
      return await Promise.race([
        Promise.resolve()
          .then(check)
          .then(() => undefined),
        timedOut,
      ]);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
