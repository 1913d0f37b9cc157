/**
 * The RaftNode's contract at its edges: bad options, misuse of the Ready loop, corrupt storage, bounds,
 * and the rules of membership changes.
 */
import { describe, expect, it } from "vitest";
import {
  type Configuration,
  decodeConfiguration,
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
const entry = (index: number, term: number): Entry => ({
  index,
  term,
  kind: "command",
  data: data(`e${index}`),
});

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

  it("rejects a message addressed to another node", () => {
    const raft = node();
    expect(() =>
      raft.step({ type: "heartbeat", from: "b", to: "c", term: 1, commit: 0, readContext: undefined }),
    ).toThrow(RaftUsageError);
  });

  it("follows a leader outside its configuration, which a lagging member must do", () => {
    const raft = node();
    raft.step({ type: "heartbeat", from: "z", to: "a", term: 9, commit: 0, readContext: undefined });
    expect([raft.term, raft.leaderId]).toEqual([9, "z"]);
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

describe("RaftNode membership changes", () => {
  const encoder = new TextEncoder();
  const configEntry = (index: number, term: number, config: Configuration): Entry => ({
    index,
    term,
    kind: "config",
    data: encoder.encode(JSON.stringify(config)),
  });
  const acknowledge = (raft: RaftNode, from: string, index: number, term = 1) =>
    raft.step({
      type: "appendResponse",
      from,
      to: "a",
      term,
      success: true,
      index,
      hintIndex: 0,
      hintTerm: 0,
    });

  /** Leader `a` of a three-node group that has committed its term's no-op at index 1. */
  function committedLeader(options: Partial<RaftOptions> = {}): RaftNode {
    const raft = leader(options);
    drain(raft);
    acknowledge(raft, "b", 1);
    expect(raft.status().commitIndex).toBe(1);
    drain(raft);
    return raft;
  }

  it("refuses a change on a follower, with the leader hint", () => {
    const raft = node();
    expect(raft.proposeConfigChange({ type: "addLearner", node: "d" })).toEqual({
      ok: false,
      code: "NotLeader",
      leaderHint: undefined,
    });
  });

  it("refuses a change until the leader has committed an entry of its term", () => {
    const raft = leader();
    expect(raft.proposeConfigChange({ type: "addLearner", node: "d" })).toEqual({
      ok: false,
      code: "TermNotCommitted",
    });
    expect(raft.status().lastIndex).toBe(1);
  });

  it("applies one change at a time, in force on the leader from the moment it is appended", () => {
    const raft = committedLeader();
    expect(raft.proposeConfigChange({ type: "addLearner", node: "d" })).toEqual({
      ok: true,
      index: 2,
      term: 1,
    });
    const status = raft.status();
    expect([status.voters, status.learners]).toEqual([["a", "b", "c"], ["d"]]);
    expect(status.followers.map((follower) => follower.id).sort()).toEqual(["b", "c", "d"]);
    expect(raft.proposeConfigChange({ type: "promoteLearner", node: "d" })).toEqual({
      ok: false,
      code: "ConfigChangeInProgress",
    });
    const ready = drain(raft);
    expect(appendsTo(ready, "d")[0]?.entries.map((entry) => entry.kind)).toEqual(["config"]);
    acknowledge(raft, "b", 2);
    const committed = drain(raft).committedEntries;
    expect(committed.map((entry) => entry.kind)).toEqual(["config"]);
    expect(decodeConfiguration(committed[0]!.data)).toEqual({ voters: ["a", "b", "c"], learners: ["d"] });
    expect(raft.proposeConfigChange({ type: "promoteLearner", node: "d" }).ok).toBe(true);
    expect(raft.status().voters).toEqual(["a", "b", "c", "d"]);
  });

  it.each([
    ["adding a member", { type: "addLearner", node: "b" }, "AlreadyMember"],
    ["promoting a voter", { type: "promoteLearner", node: "b" }, "NotLearner"],
    ["promoting a stranger", { type: "promoteLearner", node: "z" }, "NotLearner"],
    ["removing a stranger", { type: "removeNode", node: "z" }, "NotMember"],
    ["removing the leader itself", { type: "removeNode", node: "a" }, "RemovingLeader"],
  ] as const)("refuses %s and appends nothing", (_, change, code) => {
    const raft = committedLeader();
    expect(raft.proposeConfigChange(change)).toEqual({ ok: false, code });
    expect(raft.status().lastIndex).toBe(1);
    expect(raft.hasReady()).toBe(false);
  });

  it("refuses to remove the last voter", () => {
    const raft = new RaftNode({ id: "a", peers: ["a"], random: () => 0 });
    raft.campaign();
    expect(raft.role).toBe("leader");
    drain(raft);
    expect(raft.proposeConfigChange({ type: "removeNode", node: "a" })).toEqual({
      ok: false,
      code: "LastVoter",
    });
  });

  it("rejects a malformed change", () => {
    const raft = committedLeader();
    expect(() => raft.proposeConfigChange({ type: "addVoter", node: "d" } as never)).toThrow(RaftUsageError);
    expect(() => raft.proposeConfigChange({ type: "addLearner", node: "" })).toThrow(RaftUsageError);
  });

  it("does not count a learner toward commits or read confirmations", () => {
    const raft = committedLeader();
    raft.proposeConfigChange({ type: "addLearner", node: "d" });
    drain(raft);
    acknowledge(raft, "b", 2);
    drain(raft);
    raft.propose(data("x"));
    raft.readIndex("r1");
    drain(raft);
    acknowledge(raft, "d", 3);
    raft.step({ type: "heartbeatResponse", from: "d", to: "a", term: 1, readContext: "r1" });
    expect(raft.status().commitIndex).toBe(2);
    expect(drain(raft).readStates).toEqual([]);
    raft.step({ type: "heartbeatResponse", from: "c", to: "a", term: 1, readContext: "r1" });
    expect(drain(raft).readStates).toEqual([{ requestId: "r1", index: 2 }]);
  });

  it("commits with the smaller majority as soon as a voter is removed", () => {
    // Five voters; only b has acknowledged the entry at 2, so it needs a third voter.
    const raft = new RaftNode({ id: "a", peers: ["a", "b", "c", "d", "e"], random: () => 0 });
    raft.campaign();
    drain(raft);
    for (const from of ["b", "c"])
      raft.step({ type: "preVoteResponse", from, to: "a", term: 1, granted: true });
    drain(raft);
    for (const from of ["b", "c"]) raft.step({ type: "voteResponse", from, to: "a", term: 1, granted: true });
    drain(raft);
    acknowledge(raft, "b", 1);
    acknowledge(raft, "c", 1);
    drain(raft);
    raft.proposeConfigChange({ type: "removeNode", node: "e" });
    drain(raft);
    acknowledge(raft, "b", 2);
    acknowledge(raft, "c", 2);
    expect(raft.status().commitIndex).toBe(2);
    raft.proposeConfigChange({ type: "removeNode", node: "d" });
    raft.propose(data("x"));
    drain(raft);
    acknowledge(raft, "b", 4);
    // Voters a, b, c: a and b are a majority now.
    expect(raft.status().commitIndex).toBe(4);
    expect(
      raft
        .status()
        .followers.map((follower) => follower.id)
        .sort(),
    ).toEqual(["b", "c"]);
  });

  it("keeps a joining node a follower that never campaigns until it learns the configuration", () => {
    const joiner = new RaftNode({ id: "d", peers: [], random: () => 0 });
    expect([joiner.status().voters, joiner.configurationAt(0)]).toEqual([[], undefined]);
    for (let tick = 0; tick < 100; tick++) joiner.tick();
    joiner.campaign();
    expect(joiner.role).toBe("follower");
    expect(drain(joiner).messages).toEqual([]);
    joiner.step({
      type: "append",
      from: "a",
      to: "d",
      term: 2,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [entry(1, 1), configEntry(2, 2, { voters: ["a", "b", "c"], learners: ["d"] })],
      commit: 2,
    });
    expect([joiner.status().voters, joiner.status().learners, joiner.leaderId]).toEqual([
      ["a", "b", "c"],
      ["d"],
      "a",
    ]);
    // Before its own addition it does not know who the group was, so it cannot snapshot there.
    expect(joiner.configurationAt(1)).toBeUndefined();
    drain(joiner);
    expect(joiner.compact(1, data("state"))).toBe(false);
    expect(joiner.compact(2, data("state"))).toBe(true);
    for (let tick = 0; tick < 100; tick++) joiner.tick();
    expect(drain(joiner).messages.filter((m) => m.type === "preVote" || m.type === "vote")).toEqual([]);
  });

  it("installs the configuration a snapshot carries", () => {
    const joiner = new RaftNode({ id: "d", peers: [], random: () => 0 });
    const config = { voters: ["a", "b", "d"], learners: [] };
    joiner.step({
      type: "snapshot",
      from: "a",
      to: "d",
      term: 3,
      snapshot: { index: 7, term: 2, config, data: data("state") },
    });
    expect(joiner.status().voters).toEqual(["a", "b", "d"]);
    expect(drain(joiner).snapshot?.config).toEqual(config);
    joiner.tick();
    for (let tick = 0; tick < 100 && joiner.role === "follower"; tick++) joiner.tick();
    expect(joiner.role).toBe("preCandidate");
  });

  it("reverts to the previous configuration when a config entry is truncated", () => {
    const follower = new RaftNode({ id: "b", peers, random: () => 0 });
    const append = (entries: Entry[], term: number) =>
      follower.step({
        type: "append",
        from: "a",
        to: "b",
        term,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries,
        commit: 1,
      });
    follower.step({
      type: "append",
      from: "a",
      to: "b",
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [entry(1, 1)],
      commit: 1,
    });
    append([configEntry(2, 1, { voters: ["a", "b"], learners: [] })], 1);
    expect(follower.status().voters).toEqual(["a", "b"]);
    append([entry(2, 2)], 2);
    expect(follower.status().voters).toEqual(["a", "b", "c"]);
  });

  it("ignores votes from non-voters and answers from non-members", () => {
    const raft = new RaftNode({
      id: "a",
      peers,
      random: () => 0,
      storage: {
        hardState: { term: 1, vote: undefined, commit: 1 },
        entries: [configEntry(1, 1, { voters: ["a", "b", "c", "d", "e"], learners: ["f"] })],
      },
    });
    expect(raft.status().voters).toEqual(["a", "b", "c", "d", "e"]);
    raft.campaign();
    drain(raft);
    raft.step({ type: "preVoteResponse", from: "f", to: "a", term: 2, granted: true });
    raft.step({ type: "preVoteResponse", from: "z", to: "a", term: 2, granted: true });
    raft.step({ type: "preVoteResponse", from: "b", to: "a", term: 2, granted: true });
    expect(raft.role).toBe("preCandidate");
    raft.step({ type: "preVoteResponse", from: "c", to: "a", term: 2, granted: true });
    expect(raft.role).toBe("candidate");
  });

  it("derives the configuration of restored storage from the snapshot and the log", () => {
    const snapshot = {
      index: 4,
      term: 1,
      config: { voters: ["a", "b", "d"], learners: [] },
      data: data("s"),
    };
    const restored = node({
      storage: {
        hardState: { term: 2, vote: undefined, commit: 5 },
        snapshot,
        entries: [entry(5, 2), configEntry(6, 2, { voters: ["a", "b", "d"], learners: ["e"] })],
      },
    });
    expect([restored.configurationAt(4)?.voters, restored.status().learners]).toEqual([
      ["a", "b", "d"],
      ["e"],
    ]);
    const noChange = node({ storage: { hardState: { term: 2, vote: undefined, commit: 4 }, snapshot } });
    expect(noChange.status().voters).toEqual(["a", "b", "d"]);
    expect(() =>
      node({
        storage: {
          hardState: { term: 1, vote: undefined, commit: 0 },
          entries: [{ index: 1, term: 1, kind: "config", data: data("not a configuration") }],
        },
      }),
    ).toThrow(RaftStorageError);
  });

  it("stops campaigning once it learns of its own removal", () => {
    const removed = new RaftNode({ id: "c", peers, random: () => 0 });
    removed.step({
      type: "append",
      from: "a",
      to: "c",
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [entry(1, 1), configEntry(2, 1, { voters: ["a", "b"], learners: [] })],
      commit: 2,
    });
    drain(removed);
    for (let tick = 0; tick < 100; tick++) removed.tick();
    expect(removed.role).toBe("follower");
    expect(drain(removed).messages).toEqual([]);
    expect(removed.leaderId).toBeUndefined();
  });

  it("accepts an empty peer list only to join", () => {
    expect(() => new RaftNode({ id: "d", peers: ["a", "b"], random: () => 0 })).toThrow(RaftConfigError);
    expect(new RaftNode({ id: "d", peers: [], random: () => 0 }).status().voters).toEqual([]);
  });
});
