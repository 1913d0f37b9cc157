/**
 * The partition map of online splits as a pure value (`group-map.ts`): split names derived from the
 * range alone, records merged in any order and any number of times to the same map, the narrowest
 * range owning a hash while a parent's split is not recorded yet. Seeded runs of random split trees
 * record their splits shuffled; a failing seed replays exactly.
 */
import { describe, expect, it } from "vitest";
import {
  currentGroups,
  type GroupRecord,
  groupOfHash,
  initialGroupMap,
  mergeGroupRecords,
  splitGroupName,
  splitMidpoint,
} from "../../src/cluster/group-map.js";
import { SeededRandom } from "../partitions/seeded-random.js";

const hashSpaceSize = 2 ** 32;
const replicas = ["a", "b", "c"];
/** Seeded runs, splits per run and hashes probed per run. */
const seeds = 200;
const maxSplitsPerRun = 63;
const probesPerRun = 200;

function covers(groups: readonly GroupRecord[]): boolean {
  let expected = 0;
  for (const group of groups) {
    if (group.startHash !== expected || group.endHash <= group.startHash) return false;
    expected = group.endHash;
  }
  return expected === hashSpaceSize;
}

/** One split as a group's leader records it: the parent's new range and the group split off. */
function split(map: GroupRecord[], name: string): GroupRecord[] {
  const parent = map.find((group) => group.name === name)!;
  const midHash = splitMidpoint(parent)!;
  const lower = { ...parent, endHash: midHash };
  const upper = { name: splitGroupName(midHash), startHash: midHash, endHash: parent.endHash, replicas };
  map.splice(map.indexOf(parent), 1, lower, upper);
  return [lower, upper];
}

describe("the partition map of online splits", () => {
  it("starts with equal adjacent ranges named p0 … p<n-1> over the whole hash space", () => {
    for (const count of [1, 3, 64]) {
      const map = initialGroupMap(count, replicas);
      expect(map.map((group) => group.name)).toEqual(Array.from({ length: count }, (_, i) => `p${i}`));
      expect(covers(map)).toBe(true);
      expect(map.every((group) => group.replicas.join() === "a,b,c")).toBe(true);
    }
  });

  it("names a split by its midpoint, and refuses to split a range of one hash", () => {
    expect(splitGroupName(0x80000000)).toBe("p-80000000");
    expect(splitGroupName(5)).toBe("p-00000005");
    expect(splitMidpoint({ startHash: 0, endHash: hashSpaceSize })).toBe(0x80000000);
    expect(splitMidpoint({ startHash: 7, endHash: 8 })).toBeUndefined();
    expect(splitMidpoint({ startHash: 7, endHash: 9 })).toBe(8);
  });

  it("gives a hash to the narrowest range while the parent's split is not recorded", () => {
    const [p0] = initialGroupMap(1, replicas);
    const child = { name: "p-80000000", startHash: 0x80000000, endHash: hashSpaceSize, replicas };
    const map = mergeGroupRecords([p0!], [child]);
    expect(groupOfHash(map, 0x7fffffff)?.name).toBe("p0");
    expect(groupOfHash(map, 0x80000000)?.name).toBe("p-80000000");
    expect(groupOfHash(map, hashSpaceSize - 1)?.name).toBe("p-80000000");
    expect(covers(currentGroups(map))).toBe(false);
    const settled = mergeGroupRecords(map, [{ ...p0!, endHash: 0x80000000 }]);
    expect(covers(currentGroups(settled))).toBe(true);
  });

  it("ignores a repeated record and a record wider than the one it has", () => {
    const map = initialGroupMap(2, replicas);
    const [lower] = split([...map], "p0");
    const once = mergeGroupRecords(map, [lower!]);
    expect(once).not.toBe(map);
    expect(mergeGroupRecords(once, [lower!])).toBe(once);
    expect(mergeGroupRecords(once, [map[0]!])).toBe(once);
    const overlapping = { ...lower!, startHash: lower!.startHash + 1, endHash: lower!.endHash + 1 };
    expect(mergeGroupRecords(once, [overlapping])).toBe(once);
  });

  it("reaches the same map from splits recorded in any order, any number of times", () => {
    for (let seed = 1; seed <= seeds; seed++) {
      const seeded = new SeededRandom(seed);
      const next = () => seeded.next();
      const initial = initialGroupMap(1 + Math.floor(next() * 4), replicas);
      const truth = initial.map((group) => ({ ...group }));
      const recorded: GroupRecord[][] = [];
      const splits = Math.floor(next() * maxSplitsPerRun);
      for (let n = 0; n < splits; n++) {
        const candidates = truth.filter((group) => splitMidpoint(group) !== undefined);
        const parent = candidates[Math.floor(next() * candidates.length)]!;
        recorded.push(split(truth, parent.name));
      }
      const shuffled = [...recorded, ...recorded.filter(() => next() < 0.3)];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      let map: readonly GroupRecord[] = initial;
      for (const records of shuffled) map = mergeGroupRecords(map, records);
      const settled = currentGroups(map);
      expect(settled, `seed ${seed}`).toEqual(truth);
      expect(new Set(settled.map((group) => group.name)).size, `seed ${seed}`).toBe(settled.length);
      for (let probe = 0; probe < probesPerRun; probe++) {
        const hash = Math.floor(next() * hashSpaceSize);
        const owner = truth.find((group) => hash >= group.startHash && hash < group.endHash);
        expect(groupOfHash(map, hash)?.name, `seed ${seed}, hash ${hash}`).toBe(owner?.name);
      }
    }
  });
});
