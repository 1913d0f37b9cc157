/**
 * Healing's pure parts: where a new cluster's groups go and where a lost replica is rebuilt
 * (`placement.ts`), the next membership step for a group (`nextHealingStep`), and the map merge that
 * keeps the newest replica set alongside the narrowest range (`group-map.ts`).
 */
import { describe, expect, it } from "vitest";
import { type GroupRecord, initialGroupMap, mergeGroupRecords } from "../../src/cluster/group-map.js";
import { type HealingView, nextHealingStep } from "../../src/cluster/healing.js";
import {
  chooseReplacement,
  initialReplicas,
  parseNodeZones,
  zonesOfNodes,
} from "../../src/cluster/placement.js";

const sixNodes = zonesOfNodes(
  ["a1", "a2", "b1", "b2", "c1", "c2"],
  parseNodeZones("a1=az-a,a2=az-a,b1=az-b,b2=az-b,c1=az-c,c2=az-c", "--node-zones"),
);
const everyNode = new Set(sixNodes.keys());

describe("placement", () => {
  it("places a new cluster on the first node of each zone, and on every node when none shares a zone", () => {
    expect(initialReplicas(sixNodes)).toEqual(["a1", "b1", "c1"]);
    expect(initialReplicas(zonesOfNodes(["a", "b", "c"]))).toEqual(["a", "b", "c"]);
  });

  it("refuses a malformed zone list", () => {
    expect(() => parseNodeZones("a1=az-a,a1=az-b", "--node-zones")).toThrow(/twice/);
    expect(() => parseNodeZones("a1", "--node-zones")).toThrow(/list like/);
    expect(() => parseNodeZones("a1=az a", "--node-zones")).toThrow(/list like/);
  });

  it("rebuilds in the lost node's zone first, else in another zone, never on a member or a dead node", () => {
    const members = ["a1", "b1", "c1"];
    const live = new Set(["a2", "b1", "b2", "c1", "c2"]);
    const groupCounts = new Map([
      ["b2", 0],
      ["c2", 1],
    ]);
    expect(chooseReplacement({ lost: "a1", members, zones: sixNodes, live, groupCounts })).toBe("a2");
    live.delete("a2");
    // Fewest groups first among the other zones' spares.
    expect(chooseReplacement({ lost: "a1", members, zones: sixNodes, live, groupCounts })).toBe("b2");
    expect(
      chooseReplacement({ lost: "a1", members, zones: sixNodes, live: new Set(["b1", "c1"]), groupCounts }),
    ).toBeUndefined();
  });

  it("prefers a learner that already follows the group within its rank", () => {
    const choice = {
      lost: "a1",
      members: ["a1", "b1", "c1"],
      zones: sixNodes,
      live: new Set(["b1", "b2", "c1", "c2"]),
      groupCounts: new Map([["c2", 5]]),
    };
    expect(chooseReplacement(choice)).toBe("b2");
    expect(chooseReplacement({ ...choice, learners: ["c2"] })).toBe("c2");
  });
});

function view(leader: Partial<HealingView["leader"]>, rest: Partial<HealingView> = {}): HealingView {
  const voters = leader.voters ?? ["a1", "b1", "c1"];
  const learners = leader.learners ?? [];
  return {
    leader: {
      group: "p0",
      id: "b1",
      role: "leader",
      term: 3,
      leaderId: "b1",
      commitIndex: 100,
      appliedIndex: 100,
      persistedIndex: 100,
      firstIndex: 1,
      lastIndex: 100,
      snapshotIndex: 0,
      followers: [],
      committedVoters: voters,
      committedLearners: learners,
      ...leader,
      voters,
      learners,
    },
    lost: new Set(["a1"]),
    live: new Set([...everyNode].filter((node) => node !== "a1")),
    zones: sixNodes,
    groupCounts: new Map(),
    ...rest,
  };
}

describe("the next healing step", () => {
  it("adds the replacement, promotes it once caught up, then removes the lost node", () => {
    expect(nextHealingStep(view({}))).toEqual({ kind: "add", node: "a2", lost: "a1" });
    const learning = {
      learners: ["a2"],
      followers: [{ id: "a2", match: 60, next: 61, state: "replicate" as const }],
    };
    expect(nextHealingStep(view(learning))).toEqual({ kind: "catchUp", node: "a2" });
    const caughtUp = {
      learners: ["a2"],
      followers: [{ id: "a2", match: 100, next: 101, state: "replicate" as const }],
    };
    expect(nextHealingStep(view(caughtUp))).toEqual({ kind: "promote", node: "a2" });
    expect(nextHealingStep(view({ voters: ["a1", "a2", "b1", "c1"] }))).toEqual({
      kind: "remove",
      node: "a1",
      replaced: true,
    });
  });

  it("waits while a change is not committed, and removes a lost learner", () => {
    expect(
      nextHealingStep(view({ voters: ["a1", "a2", "b1", "c1"], committedVoters: ["a1", "b1", "c1"] })),
    ).toMatchObject({
      kind: "wait",
    });
    expect(nextHealingStep(view({ committedVoters: undefined }))).toMatchObject({ kind: "wait" });
    expect(nextHealingStep(view({ voters: ["a2", "b1", "c1"], learners: ["a1"] }))).toEqual({
      kind: "remove",
      node: "a1",
      replaced: false,
    });
  });

  it("records a changed replica set in the map, and does nothing once it is recorded", () => {
    const recorded: GroupRecord = {
      name: "p0",
      startHash: 0,
      endHash: 2 ** 32,
      replicas: ["a1", "b1", "c1"],
    };
    const healed = view({ voters: ["a2", "b1", "c1"] }, { recorded });
    expect(nextHealingStep(healed)).toEqual({ kind: "record", replicas: ["a2", "b1", "c1"], version: 100 });
    expect(nextHealingStep({ ...healed, recorded: { ...recorded, replicas: ["c1", "a2", "b1"] } })).toEqual({
      kind: "none",
    });
  });

  it("makes every node that hosts item groups a learner of meta, so its catalog follows", () => {
    const meta = view(
      { group: "meta", voters: ["a2", "b1", "c1"] },
      { lost: new Set(), catalogFollowers: ["a2", "b2"] },
    );
    expect(nextHealingStep(meta)).toEqual({ kind: "add", node: "b2", lost: undefined });
  });
});

describe("the map's replica versions", () => {
  const [p0] = initialGroupMap(1, ["a1", "b1", "c1"]);

  it("takes a newer replica set, keeps an older one out, and is idempotent", () => {
    const healed = { ...p0!, replicas: ["a2", "b1", "c1"], version: 40 };
    const once = mergeGroupRecords([p0!], [healed]);
    expect(once[0]!.replicas).toEqual(["a2", "b1", "c1"]);
    expect(mergeGroupRecords(once, [healed])).toBe(once);
    expect(mergeGroupRecords(once, [p0!])).toBe(once);
    expect(mergeGroupRecords(once, [{ ...healed, replicas: ["a1", "b1", "c1"], version: 39 }])).toBe(once);
  });

  it("merges a narrower range and a newer replica set independently, in either order", () => {
    const narrower = { ...p0!, endHash: 0x80000000 };
    const healed = { ...p0!, replicas: ["a2", "b1", "c1"], version: 40 };
    const expected = { ...narrower, replicas: ["a2", "b1", "c1"], version: 40 };
    expect(mergeGroupRecords(mergeGroupRecords([p0!], [narrower]), [healed])).toEqual([expected]);
    expect(mergeGroupRecords(mergeGroupRecords([p0!], [healed]), [narrower])).toEqual([expected]);
  });
});
