/**
 * The supervisor's I/O half against real child processes: a small stand-in child (fixtures/) that
 * serves /healthz, crashes, hangs or ignores SIGTERM, and starts a grandchild of its own.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_RUNNER_TIMEOUTS,
  type RestartPolicy,
  type RunnerNotice,
  type RunnerTimeouts,
  type ServiceLog,
  ServiceRunner,
} from "../src/index.js";
import { eventually, exists, freePort, killIfAlive } from "./support/cli-process.js";

const CHILD = fileURLToPath(new URL("./fixtures/child-service.mjs", import.meta.url));

const fastPolicy: RestartPolicy = {
  initialBackoffMs: 10,
  maxBackoffMs: 40,
  maxConsecutiveQuickFailures: 3,
  stableUptimeMs: 60_000,
};

/** Collects the children's output in memory. */
class MemoryLog implements ServiceLog {
  text = "";
  attach(child: import("node:child_process").ChildProcess): void {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.text += chunk;
    });
  }
  async close(): Promise<void> {}
}

const cleanup: number[] = [];
afterEach(() => {
  for (const pid of cleanup.splice(0)) killIfAlive(pid);
});

async function runner(mode: string, timeouts: Partial<RunnerTimeouts> = {}, policy = fastPolicy) {
  const port = await freePort();
  const notices: RunnerNotice[] = [];
  const log = new MemoryLog();
  const service = new ServiceRunner({
    name: "fixture",
    url: `http://127.0.0.1:${port}`,
    healthUrl: `http://127.0.0.1:${port}/healthz`,
    command: { command: process.execPath, args: [CHILD, mode, String(port)] },
    log,
    policy,
    timeouts: { ...DEFAULT_RUNNER_TIMEOUTS, ...timeouts },
    onNotice: (notice) => {
      if (notice.kind !== "changed") notices.push(notice);
      const pid = service.snapshot().pid;
      if (pid !== null) cleanup.push(-pid);
    },
  });
  return { service, notices, log };
}

async function grandchildPid(log: MemoryLog): Promise<number> {
  const pid = await eventually("the grandchild's pid", () => /grandchild (\d+)/.exec(log.text)?.[1], 10_000);
  cleanup.push(Number(pid));
  return Number(pid);
}

describe("ServiceRunner", () => {
  it("stops the child's whole process group, grandchildren included", async () => {
    const { service, notices, log } = await runner("serve");
    expect(await service.start()).toBe(true);
    const pid = service.snapshot().pid!;
    expect(notices).toEqual([{ kind: "ready", pid }]);
    expect(service.snapshot()).toMatchObject({ phase: "running", restarts: 0 });
    const grandchild = await grandchildPid(log);

    await service.stop();
    expect(service.phase).toBe("stopped");
    expect(exists(pid)).toBe(false);
    expect(exists(grandchild)).toBe(false);
    expect(exists(-pid)).toBe(false);
  });

  it("escalates to SIGKILL when the child ignores SIGTERM", async () => {
    const { service, log } = await runner("ignore-sigterm", { stopTimeoutMs: 200 });
    expect(await service.start()).toBe(true);
    const pid = service.snapshot().pid!;
    const grandchild = await grandchildPid(log);
    await service.stop();
    expect(exists(-pid)).toBe(false);
    expect(exists(grandchild)).toBe(false);
  });

  it("restarts a child killed after it became healthy, with a new pid", async () => {
    const { service, notices, log } = await runner("serve");
    expect(await service.start()).toBe(true);
    const firstPid = service.snapshot().pid!;
    const firstGrandchild = await grandchildPid(log);
    process.kill(firstPid, "SIGKILL");
    await eventually("a second ready", () =>
      notices.filter((n) => n.kind === "ready").length === 2 ? true : undefined,
    );
    const secondPid = service.snapshot().pid!;
    expect(secondPid).not.toBe(firstPid);
    expect(notices[1]).toEqual({ kind: "failure", restartInMs: 10, code: null, signal: "SIGKILL" });
    expect(service.snapshot()).toMatchObject({ phase: "running", restarts: 1 });
    // The crashed child's own children are reaped with it, so they cannot hold its port or data.
    await eventually(
      "the first grandchild to be gone",
      () => (exists(firstGrandchild) ? undefined : true),
      5_000,
    );
    await service.stop();
    expect(exists(-secondPid)).toBe(false);
  });

  it("gives up after the maximum of quick failures in a row", async () => {
    const { service, notices } = await runner("crash");
    expect(await service.start()).toBe(false);
    expect(service.snapshot()).toMatchObject({ phase: "gave-up", pid: null, restarts: 2 });
    expect(notices).toEqual([
      { kind: "failure", restartInMs: 10, code: 3, signal: null },
      { kind: "failure", restartInMs: 20, code: 3, signal: null },
      { kind: "give-up", consecutiveQuickFailures: 3, code: 3, signal: null },
    ]);
    await service.stop();
    expect(service.phase).toBe("stopped");
  });

  it("kills and counts as a failure a child that never becomes healthy", async () => {
    const { service, notices } = await runner(
      "never-ready",
      { startTimeoutMs: 300, stopTimeoutMs: 200 },
      {
        ...fastPolicy,
        maxConsecutiveQuickFailures: 2,
      },
    );
    expect(await service.start()).toBe(false);
    expect(notices.map((notice) => notice.kind)).toEqual(["failure", "give-up"]);
    expect(notices[0]).toMatchObject({ signal: "SIGTERM" });
  });

  it("reports a command that cannot be spawned", async () => {
    const service = new ServiceRunner({
      name: "missing",
      url: "http://127.0.0.1:1",
      healthUrl: "http://127.0.0.1:1/healthz",
      command: { command: "hakobune-no-such-command", args: [] },
      log: new MemoryLog(),
      policy: { ...fastPolicy, maxConsecutiveQuickFailures: 1 },
      timeouts: DEFAULT_RUNNER_TIMEOUTS,
      onNotice: () => {},
    });
    expect(await service.start()).toBe(false);
    expect(service.phase).toBe("gave-up");
  });
});
