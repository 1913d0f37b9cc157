/**
 * Group commit with a stand-in for LMDB: steps submitted together share one commit, settle only when
 * it is durable, fail alone when they throw, and all fail (without running twice) when the commit does.
 */
import { describe, expect, it } from "vitest";
import { type DurableRunner, GroupCommit } from "../../src/engine/group-commit.js";

interface FakeStore {
  runDurably: DurableRunner;
  /** Commits requested so far, each resolvable or failable by the test. */
  commits: { work: () => void; durable: () => void; fail: (error: Error) => void }[];
  afterStepsCalls: number;
  failures: number;
}

function fakeStore(): FakeStore {
  const store: FakeStore = {
    commits: [],
    afterStepsCalls: 0,
    failures: 0,
    runDurably: (work) =>
      new Promise<void>((resolve, reject) => {
        store.commits.push({ work, durable: resolve, fail: reject });
      }),
  };
  return store;
}

function groupCommit(store: FakeStore, maxStepsPerCommit?: number): GroupCommit {
  return new GroupCommit({
    runDurably: store.runDurably,
    afterSteps: () => {
      store.afterStepsCalls++;
    },
    onCommitFailure: () => {
      store.failures++;
    },
    ...(maxStepsPerCommit === undefined ? {} : { maxStepsPerCommit }),
  });
}

/** Lets promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe("GroupCommit", () => {
  it("runs steps submitted before the commit starts in that one commit, and settles them once it is durable", async () => {
    const store = fakeStore();
    const commit = groupCommit(store);
    const ran: number[] = [];
    const settled: unknown[] = [];
    const results = [1, 2, 3].map((n) =>
      commit
        .submit(() => {
          ran.push(n);
          return n * 10;
        })
        .then((value) => settled.push(value)),
    );
    expect(store.commits).toHaveLength(1);
    expect(ran).toEqual([]);
    store.commits[0]!.work();
    expect(ran).toEqual([1, 2, 3]);
    expect(store.afterStepsCalls).toBe(1);
    await settle();
    expect(settled).toEqual([]);
    store.commits[0]!.durable();
    await Promise.all(results);
    expect(settled).toEqual([10, 20, 30]);
  });

  it("starts a new commit for steps submitted after the previous one ran", async () => {
    const store = fakeStore();
    const commit = groupCommit(store);
    const first = commit.submit(() => "first");
    store.commits[0]!.work();
    const second = commit.submit(() => "second");
    expect(store.commits).toHaveLength(2);
    store.commits[1]!.work();
    store.commits[1]!.durable();
    store.commits[0]!.durable();
    await expect(first).resolves.toBe("first");
    await expect(second).resolves.toBe("second");
  });

  it("rejects only the step that threw; the others and afterSteps still run", async () => {
    const store = fakeStore();
    const commit = groupCommit(store);
    const ok = commit.submit(() => "ok");
    const failing = commit.submit(() => {
      throw new Error("condition failed");
    });
    const after = commit.submit(() => "after");
    store.commits[0]!.work();
    expect(store.afterStepsCalls).toBe(1);
    store.commits[0]!.durable();
    await expect(ok).resolves.toBe("ok");
    await expect(failing).rejects.toThrow("condition failed");
    await expect(after).resolves.toBe("after");
  });

  it("rejects every step of a failed commit and reports the failure", async () => {
    const store = fakeStore();
    const commit = groupCommit(store);
    const steps = [commit.submit(() => 1), commit.submit(() => 2)];
    store.commits[0]!.work();
    store.commits[0]!.fail(new Error("disk full"));
    for (const step of steps) await expect(step).rejects.toThrow("disk full");
    expect(store.failures).toBe(1);
    // The next step gets a commit of its own.
    const next = commit.submit(() => 3);
    expect(store.commits).toHaveLength(2);
    store.commits[1]!.work();
    store.commits[1]!.durable();
    await expect(next).resolves.toBe(3);
  });

  it("rejects steps whose commit failed before running them, without running them later", async () => {
    const store = fakeStore();
    const commit = groupCommit(store);
    let ran = 0;
    const step = commit.submit(() => ran++);
    store.commits[0]!.fail(new Error("closed"));
    await expect(step).rejects.toThrow("closed");
    expect(ran).toBe(0);
    const next = commit.submit(() => "next");
    expect(store.commits).toHaveLength(2);
    store.commits[1]!.work();
    store.commits[1]!.durable();
    await expect(next).resolves.toBe("next");
    expect(ran).toBe(0);
  });

  it("puts at most maxStepsPerCommit steps in one commit and the rest in the next", async () => {
    const store = fakeStore();
    const commit = groupCommit(store, 2);
    const ran: number[] = [];
    const steps = [1, 2, 3, 4, 5].map((n) => commit.submit(() => ran.push(n)));
    store.commits[0]!.work();
    expect(ran).toEqual([1, 2]);
    expect(store.commits).toHaveLength(2);
    store.commits[1]!.work();
    expect(ran).toEqual([1, 2, 3, 4]);
    store.commits[2]!.work();
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    for (const pending of store.commits) pending.durable();
    await Promise.all(steps);
    expect(() => groupCommit(store, 0)).toThrow(RangeError);
  });
});
