import { describe, expect, it } from "vitest";
import {
  DEFAULT_RESTART_POLICY,
  decideAfterFailure,
  isQuickFailure,
  type RestartPolicy,
  restartDelayMs,
} from "../src/index.js";

const policy: RestartPolicy = {
  initialBackoffMs: 250,
  maxBackoffMs: 30_000,
  maxConsecutiveQuickFailures: 10,
  stableUptimeMs: 30_000,
};

describe("restartDelayMs", () => {
  it("starts at the initial backoff and doubles per quick failure", () => {
    expect([0, 1, 2, 3, 4, 5].map((failures) => restartDelayMs(policy, failures))).toEqual([
      250, 250, 500, 1_000, 2_000, 4_000,
    ]);
  });

  it("never exceeds the cap, even for absurd failure counts", () => {
    expect(restartDelayMs(policy, 8)).toBe(30_000);
    expect(restartDelayMs(policy, 9)).toBe(30_000);
    expect(restartDelayMs(policy, 5_000)).toBe(30_000);
  });
});

describe("isQuickFailure", () => {
  it("counts a service that never became healthy as a quick failure", () => {
    expect(isQuickFailure(policy, null)).toBe(true);
  });

  it("draws the line at the stable uptime", () => {
    expect(isQuickFailure(policy, 29_999)).toBe(true);
    expect(isQuickFailure(policy, 30_000)).toBe(false);
  });
});

describe("decideAfterFailure", () => {
  it("restarts after the first crash with the initial backoff", () => {
    expect(decideAfterFailure(policy, 0, 5)).toEqual({
      action: "restart",
      delayMs: 250,
      consecutiveQuickFailures: 1,
    });
  });

  it("backs off further with each quick failure in a row", () => {
    expect(decideAfterFailure(policy, 3, null)).toEqual({
      action: "restart",
      delayMs: 2_000,
      consecutiveQuickFailures: 4,
    });
  });

  it("gives up when the quick failures in a row reach the maximum", () => {
    expect(decideAfterFailure(policy, 8, null).action).toBe("restart");
    expect(decideAfterFailure(policy, 9, null)).toEqual({ action: "give-up", consecutiveQuickFailures: 10 });
  });

  it("starts counting again after a stable run, however many failures came before", () => {
    expect(decideAfterFailure(policy, 9, 60_000)).toEqual({
      action: "restart",
      delayMs: 250,
      consecutiveQuickFailures: 0,
    });
  });

  it("gives up after exactly the maximum of quick failures when replayed from scratch", () => {
    let failures = 0;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 50; attempt++) {
      const decision = decideAfterFailure(policy, failures, null);
      failures = decision.consecutiveQuickFailures;
      if (decision.action === "give-up") break;
      delays.push(decision.delayMs);
    }
    expect(failures).toBe(policy.maxConsecutiveQuickFailures);
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it("ships the documented defaults", () => {
    expect(DEFAULT_RESTART_POLICY).toEqual(policy);
  });
});
