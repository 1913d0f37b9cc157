import { describe, expect, it } from "vitest";
import {
  DEFAULT_RESTART_POLICY,
  initialLifecycleState,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  step,
} from "../src/index.js";

const policy = DEFAULT_RESTART_POLICY;

/** Replays `events` from the initial state, collecting every effect in order. */
function replay(events: LifecycleEvent[]): { state: LifecycleState; effects: LifecycleEffect[] } {
  let state = initialLifecycleState();
  const effects: LifecycleEffect[] = [];
  for (const event of events) {
    const next = step(state, event, policy);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const crash = (atMs: number): LifecycleEvent => ({ type: "exited", atMs, code: null, signal: "SIGKILL" });

describe("service lifecycle", () => {
  it("spawns on start and announces readiness once healthy", () => {
    const { state, effects } = replay([
      { type: "start" },
      { type: "spawned", pid: 41 },
      { type: "healthy", atMs: 100 },
    ]);
    expect(state).toMatchObject({ phase: "running", pid: 41, healthySinceMs: 100, restarts: 0 });
    expect(effects).toEqual([{ type: "spawn" }, { type: "announce-ready" }]);
  });

  it("schedules a restart after a crash and respawns when the backoff elapses", () => {
    const { state, effects } = replay([
      { type: "start" },
      { type: "spawned", pid: 41 },
      { type: "healthy", atMs: 100 },
      crash(200),
      { type: "backoff-elapsed" },
      { type: "spawned", pid: 42 },
    ]);
    expect(effects).toEqual([
      { type: "spawn" },
      { type: "announce-ready" },
      { type: "announce-failure", restartInMs: 250, code: null, signal: "SIGKILL" },
      { type: "schedule-restart", delayMs: 250 },
      { type: "spawn" },
    ]);
    expect(state).toMatchObject({ phase: "starting", pid: 42, restarts: 1, consecutiveQuickFailures: 1 });
  });

  it("terminates a child that misses its start deadline and counts that as a failure", () => {
    const timedOut = replay([{ type: "start" }, { type: "spawned", pid: 41 }, { type: "start-timed-out" }]);
    expect(timedOut.state.phase).toBe("starting");
    expect(timedOut.effects.at(-1)).toEqual({ type: "terminate" });
    const after = step(timedOut.state, { type: "exited", atMs: 1, code: null, signal: "SIGTERM" }, policy);
    expect(after.state).toMatchObject({ phase: "backing-off", pid: null, consecutiveQuickFailures: 1 });
  });

  it("gives up after the maximum of quick failures and spawns no more", () => {
    const events: LifecycleEvent[] = [{ type: "start" }];
    for (let attempt = 0; attempt < policy.maxConsecutiveQuickFailures; attempt++) {
      events.push({ type: "spawned", pid: 100 + attempt }, crash(attempt), { type: "backoff-elapsed" });
    }
    const { state, effects } = replay(events);
    expect(state.phase).toBe("gave-up");
    expect(effects.filter((effect) => effect.type === "spawn")).toHaveLength(
      policy.maxConsecutiveQuickFailures,
    );
    expect(effects.at(-1)).toEqual({
      type: "announce-give-up",
      consecutiveQuickFailures: policy.maxConsecutiveQuickFailures,
      code: null,
      signal: "SIGKILL",
    });
  });

  it("keeps restarting a service that crashes only after long stable runs", () => {
    const events: LifecycleEvent[] = [{ type: "start" }];
    let clockMs = 0;
    for (let attempt = 0; attempt < policy.maxConsecutiveQuickFailures * 2; attempt++) {
      events.push({ type: "spawned", pid: 100 + attempt }, { type: "healthy", atMs: clockMs });
      clockMs += policy.stableUptimeMs;
      events.push(crash(clockMs), { type: "backoff-elapsed" });
    }
    const { state } = replay(events);
    expect(state).toMatchObject({ phase: "starting", consecutiveQuickFailures: 0 });
  });

  it("stops a running service by terminating it, and is stopped once it exits", () => {
    const stopping = replay([
      { type: "start" },
      { type: "spawned", pid: 41 },
      { type: "healthy", atMs: 1 },
      { type: "stop" },
    ]);
    expect(stopping.state.phase).toBe("stopping");
    expect(stopping.effects.at(-1)).toEqual({ type: "terminate" });
    const stopped = step(stopping.state, { type: "exited", atMs: 2, code: 0, signal: null }, policy);
    expect(stopped.state).toMatchObject({ phase: "stopped", pid: null });
    expect(stopped.effects).toEqual([{ type: "announce-stopped" }]);
  });

  it("cancels a pending restart when stopped while backing off", () => {
    const { state, effects } = replay([
      { type: "start" },
      { type: "spawned", pid: 41 },
      crash(1),
      { type: "stop" },
    ]);
    expect(state.phase).toBe("stopped");
    expect(effects.slice(-2)).toEqual([{ type: "cancel-restart" }, { type: "announce-stopped" }]);
  });

  it("ignores events that make no sense in the current phase", () => {
    const running = replay([
      { type: "start" },
      { type: "spawned", pid: 41 },
      { type: "healthy", atMs: 1 },
    ]).state;
    for (const event of [
      { type: "start" },
      { type: "healthy", atMs: 5 },
      { type: "start-timed-out" },
      { type: "backoff-elapsed" },
    ] satisfies LifecycleEvent[]) {
      expect(step(running, event, policy)).toEqual({ state: running, effects: [] });
    }
    const stopped = replay([
      { type: "start" },
      { type: "spawned", pid: 41 },
      { type: "stop" },
      crash(2),
    ]).state;
    expect(stopped.phase).toBe("stopped");
    expect(step(stopped, { type: "stop" }, policy).effects).toEqual([]);
    expect(step(stopped, crash(3), policy).effects).toEqual([]);
  });
});
