/** The RaftNode's contract at its edges: bad options, misuse of the Ready loop, corrupt storage, bounds. */
import { describe, expect, it } from "vitest";
import {
  type Entry,
  type Message,
  RaftConfigError,
  RaftNode,
  type RaftOptions,
  RaftStorageError,
  RaftUsageError,
  type Ready,
} from "../../src/replication/index.js";

const peers = ["a", "b", "c"];
const data = (text: string) => new TextEncoder().encode(text);

function node(options: Partial<RaftOptions> = {}): RaftNode {
  return new RaftNode({ id: "a", peers, random: () => 0, ...options });
}

/** Persists nothing and sends nothing: hands out one Ready and acknowledges it. */
function drain(raft: RaftNode): Ready {
  const ready = raft.ready();
  raft.advance(ready);
  return ready;
}

/** Makes `a` the leader of a three-node group by answering its campaign directly. */
function leader(options: Partial<RaftOptions> = {}): RaftNode {
  const raft = node(options);
  raft.campaign();
  drain(raft);
  raft.step({ type: "preVoteResponse", from: "b", to: "a", term: 1, granted: true });
  drain(raft);
  raft.step({ type: "voteResponse", from: "b", to: "a", term: 1, granted: true });
  expect(raft.role).toBe("leader");
  return raft;
}

function appendsTo(ready: Ready, to: string): Extract<Message, { type: "append" }>[] {
  return ready.messages.filter(
    (m): m is Extract<Message, { type: "append" }> => m.type === "append" && m.to === to,
  );
}

describe("RaftNode options", () => {
  it.each([
    ["an id outside the peers", { id: "z" }],
    ["repeated peers", { peers: ["a", "a", "b"] }],
    ["an empty id", { id: "" }],
    ["a heartbeat not shorter than the election timeout", { electionTicks: 3, heartbeatTicks: 3 }],
    ["a zero election timeout", { electionTicks: 0 }],
    ["a fractional bound", { maxEntriesPerAppend: 1.5 }],
    ["a negative bound", { maxInflightAppends: -1 }],
  ])("rejects %s", (_, options) => {
    expect(() => node(options as Partial<RaftOptions>)).toThrow(RaftConfigError);
  });

  it("gives errors a stable code", () => {
    try {
      node({ id: "z" });
      expect.unreachable();
    } catch (error) {
      expect((error as RaftConfigError).code).toBe("RAFT_INVALID_CONFIG");
    }
  });
});

describe("RaftNode restored storage", () => {
  const entry = (index: number, term: number): Entry => ({
    index,
    term,
    kind: "command",
    data: data(`e${index}`),
  });

  it("restores term, vote, commit and log", () => {
    const raft = node({
      storage: {
        hardState: { term: 3, vote: "b", commit: 2 },
        entries: [entry(1, 1), entry(2, 3), entry(3, 3)],
      },
    });
    const status = raft.status();
    expect([status.term, status.vote, status.commitIndex, status.lastIndex, status.appliedIndex]).toEqual([
      3,
      "b",
      2,
      3,
      0,
    ]);
    // The committed entries are handed out again for a state machine that is not durable.
    expect(drain(raft).committedEntries.map((e) => e.index)).toEqual([1, 2]);
  });

  it.each([
    ["a gap in the entries", { entries: [entry(1, 1), entry(3, 1)] }],
    ["a commit past the log", { hardState: { term: 1, vote: undefined, commit: 5 }, entries: [entry(1, 1)] }],
    [
      "terms going down",
      { hardState: { term: 2, vote: undefined, commit: 0 }, entries: [entry(1, 2), entry(2, 1)] },
    ],
    [
      "a log newer than the hard state",
      { hardState: { term: 1, vote: undefined, commit: 0 }, entries: [entry(1, 2)] },
    ],
    ["an applied index past the commit", { entries: [entry(1, 0)], appliedIndex: 1 }],
  ])("rejects %s", (_, storage) => {
    expect(() => node({ storage })).toThrow(RaftStorageError);
  });
});

describe("RaftNode Ready loop", () => {
  it("refuses a second ready() before advance()", () => {
    const raft = node();
    raft.campaign();
    raft.ready();
    expect(raft.hasReady()).toBe(false);
    expect(() => raft.ready()).toThrow(RaftUsageError);
  });

  it("refuses to advance a batch it did not hand out", () => {
    const raft = node();
    raft.campaign();
    const ready = raft.ready();
    expect(() => raft.advance({ ...ready })).toThrow(RaftUsageError);
    raft.advance(ready);
    expect(() => raft.advance(ready)).toThrow(RaftUsageError);
  });

  it("persists the vote before the vote request goes out", () => {
    const raft = node();
    raft.campaign();
    drain(raft);
    raft.step({ type: "preVoteResponse", from: "b", to: "a", term: 1, granted: true });
    const ready = drain(raft);
    expect(ready.hardState).toEqual({ term: 1, vote: "a", commit: 0 });
    expect(ready.messages.map((m) => m.type)).toEqual(["vote", "vote"]);
  });

  it("rejects a message addressed to another node and ignores strangers", () => {
    const raft = node();
    expect(() =>
      raft.step({ type: "heartbeat", from: "b", to: "c", term: 1, commit: 0, readContext: undefined }),
    ).toThrow(RaftUsageError);
    raft.step({ type: "heartbeat", from: "z", to: "a", term: 9, commit: 0, readContext: undefined });
    expect(raft.term).toBe(0);
  });

  it("commits only once the leader's own copy is durable and a follower acknowledged", () => {
    const raft = leader();
    const ready = raft.ready();
    expect(ready.entries.map((e) => e.kind)).toEqual(["noop"]);
    raft.step({
      type: "appendResponse",
      from: "b",
      to: "a",
      term: 1,
      success: true,
      index: 1,
      hintIndex: 0,
      hintTerm: 0,
    });
    expect(raft.status().commitIndex).toBe(0);
    raft.advance(ready);
    expect(raft.status().commitIndex).toBe(1);
  });

  it("refuses compaction beyond the applied index and ignores compaction behind the snapshot", () => {
    const raft = leader();
    drain(raft);
    raft.step({
      type: "appendResponse",
      from: "b",
      to: "a",
      term: 1,
      success: true,
      index: 1,
      hintIndex: 0,
      hintTerm: 0,
    });
    expect(() => raft.compact(1, data("state"))).toThrow(RaftUsageError);
    drain(raft);
    expect(raft.compact(1, data("state"))).toBe(true);
    expect(raft.compact(1, data("state"))).toBe(false);
    expect(() => raft.compact(-1, data("state"))).toThrow(RaftUsageError);
  });
});

describe("RaftNode client requests", () => {
  it("answers not-leader with the leader hint", () => {
    const raft = node();
    expect(raft.propose(data("x"))).toEqual({ ok: false, code: "NotLeader", leaderHint: undefined });
    raft.step({ type: "heartbeat", from: "b", to: "a", term: 1, commit: 0, readContext: undefined });
    expect(raft.propose(data("x"))).toEqual({ ok: false, code: "NotLeader", leaderHint: "b" });
    expect(raft.readIndex("r1")).toEqual({ ok: false, code: "NotLeader", leaderHint: "b" });
  });

  it("rejects malformed requests", () => {
    const raft = leader();
    expect(() => raft.propose("x" as unknown as Uint8Array)).toThrow(RaftUsageError);
    expect(() => raft.readIndex("")).toThrow(RaftUsageError);
  });

  it("bounds uncommitted entries and bytes", () => {
    const byCount = leader({ maxUncommittedEntries: 3 });
    expect(byCount.propose(data("1")).ok).toBe(true);
    expect(byCount.propose(data("2")).ok).toBe(true);
    expect(byCount.propose(data("3"))).toEqual({ ok: false, code: "UncommittedLimit" });

    const byBytes = leader({ maxUncommittedBytes: 10 });
    expect(byBytes.propose(new Uint8Array(20)).ok).toBe(true); // one oversized entry still goes through
    expect(byBytes.propose(new Uint8Array(1))).toEqual({ ok: false, code: "UncommittedLimit" });
  });

  it("bounds pending reads", () => {
    const raft = leader({ maxPendingReads: 2 });
    expect(raft.readIndex("r1").ok).toBe(true);
    expect(raft.readIndex("r2").ok).toBe(true);
    expect(raft.readIndex("r3")).toEqual({ ok: false, code: "ReadQueueFull" });
  });
});

describe("RaftNode flow control", () => {
  /** A leader whose follower b is in the replicate state at index 1. */
  function replicating(options: Partial<RaftOptions>): RaftNode {
    const raft = leader(options);
    drain(raft);
    raft.step({
      type: "appendResponse",
      from: "b",
      to: "a",
      term: 1,
      success: true,
      index: 1,
      hintIndex: 0,
      hintTerm: 0,
    });
    drain(raft);
    return raft;
  }

  it("sends at most maxEntriesPerAppend entries per message", () => {
    const raft = replicating({ maxEntriesPerAppend: 2, maxInflightAppends: 100 });
    for (let k = 0; k < 5; k++) raft.propose(data(`v${k}`));
    const sizes = appendsTo(drain(raft), "b").map((m) => m.entries.length);
    expect(sizes.every((size) => size <= 2)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it("holds appends once maxInflightAppends are unanswered, and resumes on an answer", () => {
    const raft = replicating({ maxInflightAppends: 2 });
    for (let k = 0; k < 5; k++) raft.propose(data(`v${k}`));
    const sent = appendsTo(drain(raft), "b");
    expect(sent.map((m) => m.entries.map((e) => e.index))).toEqual([[2], [3]]);
    raft.step({
      type: "appendResponse",
      from: "b",
      to: "a",
      term: 1,
      success: true,
      index: 3,
      hintIndex: 0,
      hintTerm: 0,
    });
    // The freed slot carries everything that waited, in one message.
    expect(appendsTo(drain(raft), "b").map((m) => m.entries.map((e) => e.index))).toEqual([[4, 5, 6]]);
  });

  it("bounds the committed entries handed out per Ready", () => {
    const raft = replicating({ maxCommittedEntriesPerReady: 2 });
    for (let k = 0; k < 5; k++) raft.propose(data(`v${k}`));
    drain(raft);
    raft.step({
      type: "appendResponse",
      from: "b",
      to: "a",
      term: 1,
      success: true,
      index: 6,
      hintIndex: 0,
      hintTerm: 0,
    });
    const applied: number[] = [];
    for (let round = 0; round < 10 && raft.hasReady(); round++) {
      const committed = drain(raft).committedEntries;
      expect(committed.length).toBeLessThanOrEqual(2);
      applied.push(...committed.map((e) => e.index));
    }
    expect(applied).toEqual([2, 3, 4, 5, 6]);
  });
});
