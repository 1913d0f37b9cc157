/**
 * Runs one service under supervision: the I/O half of `lifecycle.ts`. It spawns the child as the
 * leader of its own process group, polls its health endpoint until it is ready, restarts it after a
 * crash on the restart policy's schedule, and stops the whole group on request.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_PROBE_TIMEOUT_MS, probeHealth } from "./health.js";
import {
  type ExitStatus,
  initialLifecycleState,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecyclePhase,
  type LifecycleState,
  step,
} from "./lifecycle.js";
import { isGroupAlive, signalGroup, terminateGroup } from "./process-group.js";
import type { RestartPolicy } from "./restart-policy.js";
import type { ServiceLog } from "./service-log.js";
import type { SpawnCommand } from "./services.js";

export interface RunnerTimeouts {
  /** How long a freshly spawned service has to answer its health check. Default 30 000 ms. */
  startTimeoutMs: number;
  /** Pause between health probes while a service starts. Default 100 ms. */
  healthPollIntervalMs: number;
  /** How long a stopping service's group has between SIGTERM and SIGKILL. Default 10 000 ms. */
  stopTimeoutMs: number;
}

export const DEFAULT_RUNNER_TIMEOUTS: Readonly<RunnerTimeouts> = Object.freeze({
  startTimeoutMs: 30_000,
  healthPollIntervalMs: 100,
  stopTimeoutMs: 10_000,
});

/** What a runner tells its owner; `changed` follows every state change (to rewrite `up.json`). */
export type RunnerNotice =
  | { kind: "ready"; pid: number }
  | ({ kind: "failure"; restartInMs: number } & ExitStatus)
  | ({ kind: "give-up"; consecutiveQuickFailures: number } & ExitStatus)
  | { kind: "spawn-error"; message: string }
  | { kind: "stop-survived"; pid: number }
  | { kind: "stopped" }
  | { kind: "changed" };

export interface ServiceRunnerOptions {
  name: string;
  /** The service's base URL, as printed and recorded. */
  url: string;
  healthUrl: string;
  command: SpawnCommand;
  log: ServiceLog;
  policy: RestartPolicy;
  timeouts: RunnerTimeouts;
  onNotice(notice: RunnerNotice): void;
}

export interface RunnerSnapshot {
  name: string;
  url: string;
  pid: number | null;
  /** When the current child was spawned; `null` while none runs. */
  startedAt: string | null;
  phase: LifecyclePhase;
  restarts: number;
  /** The command line the service runs as, so a later `up` can recognise it if this one is killed. */
  command: string[];
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

export class ServiceRunner {
  readonly #options: ServiceRunnerOptions;
  #state: LifecycleState = initialLifecycleState();
  #startedAt: Date | null = null;
  #healthWatch: AbortController | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #termination: Promise<unknown> = Promise.resolve();
  /** Settles once: true when the service first becomes healthy, false if it never will. */
  readonly #firstReady = deferred<boolean>();
  readonly #stopped = deferred<void>();

  constructor(options: ServiceRunnerOptions) {
    this.#options = options;
  }

  get name(): string {
    return this.#options.name;
  }

  get phase(): LifecyclePhase {
    return this.#state.phase;
  }

  snapshot(): RunnerSnapshot {
    const { name, url, command } = this.#options;
    const { pid, phase, restarts } = this.#state;
    return {
      name,
      url,
      pid,
      startedAt: pid === null ? null : (this.#startedAt?.toISOString() ?? null),
      phase,
      restarts,
      command: [command.command, ...command.args],
    };
  }

  /** Starts the service; resolves true once it is healthy, false if `up` gave up on it or it was stopped. */
  start(): Promise<boolean> {
    this.#dispatch({ type: "start" });
    return this.#firstReady.promise;
  }

  /** Stops the service and resolves once no process of its group remains (or SIGKILL's grace ran out). */
  async stop(): Promise<void> {
    this.#dispatch({ type: "stop" });
    await this.#stopped.promise;
    await this.#termination;
  }

  /** SIGKILLs the current child's group at once; for a second Ctrl-C and for `up`'s own exit. */
  killNow(): void {
    if (this.#state.pid !== null) signalGroup(this.#state.pid, "SIGKILL");
  }

  #dispatch(event: LifecycleEvent): void {
    const next = step(this.#state, event, this.#options.policy);
    if (next.state === this.#state && next.effects.length === 0) return;
    this.#state = next.state;
    for (const effect of next.effects) this.#perform(effect);
    this.#options.onNotice({ kind: "changed" });
  }

  #perform(effect: LifecycleEffect): void {
    const notify = this.#options.onNotice;
    switch (effect.type) {
      case "spawn":
        this.#spawn();
        return;
      case "terminate":
        this.#terminate();
        return;
      case "schedule-restart":
        this.#restartTimer = setTimeout(() => {
          this.#restartTimer = null;
          this.#dispatch({ type: "backoff-elapsed" });
        }, effect.delayMs);
        return;
      case "cancel-restart":
        if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
        this.#restartTimer = null;
        return;
      case "announce-ready":
        notify({ kind: "ready", pid: this.#state.pid ?? 0 });
        this.#firstReady.resolve(true);
        return;
      case "announce-failure":
        notify({
          kind: "failure",
          restartInMs: effect.restartInMs,
          code: effect.code,
          signal: effect.signal,
        });
        return;
      case "announce-give-up":
        notify({
          kind: "give-up",
          consecutiveQuickFailures: effect.consecutiveQuickFailures,
          code: effect.code,
          signal: effect.signal,
        });
        this.#firstReady.resolve(false);
        return;
      case "announce-stopped":
        notify({ kind: "stopped" });
        this.#firstReady.resolve(false);
        this.#stopped.resolve();
        return;
    }
  }

  #spawn(): void {
    const { command, args, env } = this.#options.command;
    // detached: the child leads a new process group, so signalling the group reaches its children too.
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: env ? { ...process.env, ...env } : process.env,
    });
    this.#options.log.attach(child);
    this.#startedAt = new Date();
    let exited = false;
    const onExit = (code: number | null, signal: string | null) => {
      if (exited) return;
      exited = true;
      this.#healthWatch?.abort();
      this.#healthWatch = null;
      this.#dispatch({ type: "exited", atMs: performance.now(), code, signal });
      this.#reapCrashedGroup(child);
    };
    child.once("exit", onExit);
    child.once("error", (error) => {
      if (child.pid !== undefined) return;
      this.#options.onNotice({ kind: "spawn-error", message: error.message });
      onExit(null, null);
    });
    if (child.pid === undefined) return;
    this.#dispatch({ type: "spawned", pid: child.pid });
    this.#healthWatch = new AbortController();
    void this.#watchHealth(this.#healthWatch.signal);
  }

  /** After a crash, whatever the service started is killed too, so it cannot hold the port or data. */
  #reapCrashedGroup(child: ChildProcess): void {
    if (child.pid === undefined || this.#state.phase === "stopped") return;
    if (isGroupAlive(child.pid)) signalGroup(child.pid, "SIGKILL");
  }

  async #watchHealth(signal: AbortSignal): Promise<void> {
    const { healthUrl, timeouts } = this.#options;
    const deadline = performance.now() + timeouts.startTimeoutMs;
    while (!signal.aborted) {
      const remainingMs = Math.max(1, deadline - performance.now());
      const healthy = await probeHealth(healthUrl, Math.min(DEFAULT_PROBE_TIMEOUT_MS, remainingMs));
      if (signal.aborted) return;
      if (healthy) {
        this.#dispatch({ type: "healthy", atMs: performance.now() });
        return;
      }
      if (performance.now() >= deadline) {
        this.#dispatch({ type: "start-timed-out" });
        return;
      }
      await sleep(timeouts.healthPollIntervalMs, undefined, { signal }).catch(() => {});
    }
  }

  #terminate(): void {
    const pid = this.#state.pid;
    if (pid === null) return;
    this.#termination = terminateGroup(pid, this.#options.timeouts.stopTimeoutMs).then((outcome) => {
      if (outcome === "survived") this.#options.onNotice({ kind: "stop-survived", pid });
    });
  }
}
