/**
 * When `up` restarts a crashed service, and when it stops trying. Pure functions of the policy and the
 * failure history, so they can be tested without processes or clocks.
 *
 * A failure is "quick" when the service never became healthy, or crashed less than `stableUptimeMs`
 * after it did. Quick failures in a row back off exponentially; a failure after a stable run starts
 * the count again, so one crash a day never leads to giving up.
 */
export interface RestartPolicy {
  /** Delay before the first restart. Default 250 ms. */
  initialBackoffMs: number;
  /** The delay doubles per quick failure up to this cap. Default 30 000 ms. */
  maxBackoffMs: number;
  /** Give up on a service after this many quick failures in a row. Default 10. */
  maxConsecutiveQuickFailures: number;
  /** A service that stayed healthy this long before failing did not fail quickly. Default 30 000 ms. */
  stableUptimeMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  initialBackoffMs: 250,
  maxBackoffMs: 30_000,
  maxConsecutiveQuickFailures: 10,
  stableUptimeMs: 30_000,
});

export type RestartDecision =
  | { action: "restart"; delayMs: number; consecutiveQuickFailures: number }
  | { action: "give-up"; consecutiveQuickFailures: number };

/**
 * The delay before restarting after `consecutiveQuickFailures` quick failures in a row (0 after a
 * stable run): the initial backoff, doubling from the second quick failure, capped.
 */
export function restartDelayMs(policy: RestartPolicy, consecutiveQuickFailures: number): number {
  const doublings = Math.max(0, consecutiveQuickFailures - 1);
  // 2 ** doublings overflows to Infinity long before it matters; Math.min keeps the cap either way.
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** doublings);
}

/** Whether a failure counts as quick; `healthyForMs` is `null` when the service never became healthy. */
export function isQuickFailure(policy: RestartPolicy, healthyForMs: number | null): boolean {
  return healthyForMs === null || healthyForMs < policy.stableUptimeMs;
}

/**
 * Decides what to do after a service failed, given the quick failures in a row before this one and
 * how long the service had been healthy (`null`: never).
 */
export function decideAfterFailure(
  policy: RestartPolicy,
  previousQuickFailures: number,
  healthyForMs: number | null,
): RestartDecision {
  const consecutiveQuickFailures = isQuickFailure(policy, healthyForMs) ? previousQuickFailures + 1 : 0;
  if (consecutiveQuickFailures >= policy.maxConsecutiveQuickFailures) {
    return { action: "give-up", consecutiveQuickFailures };
  }
  return {
    action: "restart",
    delayMs: restartDelayMs(policy, consecutiveQuickFailures),
    consecutiveQuickFailures,
  };
}
