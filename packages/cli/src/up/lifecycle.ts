/**
 * One supervised service's lifecycle as a pure state machine: `step(state, event)` returns the next
 * state and the effects the caller must carry out (spawn, terminate, schedule a restart, announce).
 * No processes, timers or clocks here; `service-runner.ts` feeds it events and performs the effects.
 *
 *   idle ─start─▶ starting ─healthy─▶ running
 *                  │  ▲                 │
 *          exited  │  │ backoff-elapsed │ exited
 *                  ▼  │                 ▼
 *               backing-off ◀───────────┘      (or gave-up after too many quick failures)
 *
 *   any live phase ─stop─▶ stopping ─exited─▶ stopped
 */
import { decideAfterFailure, type RestartPolicy } from "./restart-policy.js";

export type LifecyclePhase =
  | "idle"
  | "starting"
  | "running"
  | "backing-off"
  | "stopping"
  | "stopped"
  | "gave-up";

export interface LifecycleState {
  phase: LifecyclePhase;
  /** The running child's pid, from `spawned` until it exits. */
  pid: number | null;
  /** When the current child became healthy, in the caller's clock; `null` until it does. */
  healthySinceMs: number | null;
  consecutiveQuickFailures: number;
  /** How many times the service was restarted after a failure. */
  restarts: number;
}

export interface ExitStatus {
  /** Exit code, or `null` when the child was killed by a signal or never started. */
  code: number | null;
  signal: string | null;
}

export type LifecycleEvent =
  | { type: "start" }
  | { type: "spawned"; pid: number }
  | { type: "healthy"; atMs: number }
  | { type: "start-timed-out" }
  | ({ type: "exited"; atMs: number } & ExitStatus)
  | { type: "backoff-elapsed" }
  | { type: "stop" };

export type LifecycleEffect =
  /** Spawn the child and watch its health until it is healthy or the start timeout passes. */
  | { type: "spawn" }
  /** Stop the child's process group: SIGTERM, then SIGKILL after the stop timeout. */
  | { type: "terminate" }
  | { type: "schedule-restart"; delayMs: number }
  | { type: "cancel-restart" }
  | { type: "announce-ready" }
  | ({ type: "announce-failure"; restartInMs: number } & ExitStatus)
  | ({ type: "announce-give-up"; consecutiveQuickFailures: number } & ExitStatus)
  | { type: "announce-stopped" };

export interface Step {
  state: LifecycleState;
  effects: LifecycleEffect[];
}

export function initialLifecycleState(): LifecycleState {
  return { phase: "idle", pid: null, healthySinceMs: null, consecutiveQuickFailures: 0, restarts: 0 };
}

/** Events that make no sense in the current phase (a late health result, a second stop) change nothing. */
export function step(state: LifecycleState, event: LifecycleEvent, policy: RestartPolicy): Step {
  const unchanged: Step = { state, effects: [] };
  switch (event.type) {
    case "start":
      return state.phase === "idle"
        ? { state: { ...state, phase: "starting" }, effects: [{ type: "spawn" }] }
        : unchanged;

    case "spawned":
      return state.phase === "starting" || state.phase === "stopping"
        ? { state: { ...state, pid: event.pid, healthySinceMs: null }, effects: [] }
        : unchanged;

    case "healthy":
      return state.phase === "starting"
        ? {
            state: { ...state, phase: "running", healthySinceMs: event.atMs },
            effects: [{ type: "announce-ready" }],
          }
        : unchanged;

    case "start-timed-out":
      // The exit that follows the termination is what counts as the failure.
      return state.phase === "starting" ? { state, effects: [{ type: "terminate" }] } : unchanged;

    case "exited":
      return exited(state, event, policy);

    case "backoff-elapsed":
      return state.phase === "backing-off"
        ? {
            state: { ...state, phase: "starting", restarts: state.restarts + 1 },
            effects: [{ type: "spawn" }],
          }
        : unchanged;

    case "stop":
      switch (state.phase) {
        case "starting":
        case "running":
          return { state: { ...state, phase: "stopping" }, effects: [{ type: "terminate" }] };
        case "backing-off":
          return {
            state: { ...state, phase: "stopped" },
            effects: [{ type: "cancel-restart" }, { type: "announce-stopped" }],
          };
        case "idle":
        case "gave-up":
          return { state: { ...state, phase: "stopped" }, effects: [{ type: "announce-stopped" }] };
        default:
          return unchanged;
      }
  }
}

function exited(
  state: LifecycleState,
  event: Extract<LifecycleEvent, { type: "exited" }>,
  policy: RestartPolicy,
): Step {
  const status: ExitStatus = { code: event.code, signal: event.signal };
  if (state.phase === "stopping") {
    return { state: { ...state, phase: "stopped", pid: null }, effects: [{ type: "announce-stopped" }] };
  }
  if (state.phase !== "starting" && state.phase !== "running") return { state, effects: [] };

  const healthyForMs = state.healthySinceMs === null ? null : event.atMs - state.healthySinceMs;
  const decision = decideAfterFailure(policy, state.consecutiveQuickFailures, healthyForMs);
  const base = {
    ...state,
    pid: null,
    healthySinceMs: null,
    consecutiveQuickFailures: decision.consecutiveQuickFailures,
  };
  if (decision.action === "give-up") {
    return {
      state: { ...base, phase: "gave-up" },
      effects: [
        { type: "announce-give-up", consecutiveQuickFailures: decision.consecutiveQuickFailures, ...status },
      ],
    };
  }
  return {
    state: { ...base, phase: "backing-off" },
    effects: [
      { type: "announce-failure", restartInMs: decision.delayMs, ...status },
      { type: "schedule-restart", delayMs: decision.delayMs },
    ],
  };
}
