/** Partition maps: cover the hash space exactly once, find the right partition, split in halves. */
import { describe, expect, it } from "vitest";
import { hashSpaceSize } from "../../src/partitions/hash.js";
import {
  assertPartitionMap,
  createPartitionMap,
  PartitionMapError,
  type PartitionRecord,
  partitionFor,
  splitPartition,
} from "../../src/partitions/partition-map.js";
import { SeededRandom } from "./seeded-random.js";

function linearPartitionFor(
  partitions: readonly PartitionRecord[],
  hash: number,
): PartitionRecord | undefined {
  return partitions.find((partition) => hash >= partition.startHash && hash < partition.endHash);
}

describe("createPartitionMap", () => {
  it.each([1, 2, 3, 4, 7, 64])("covers the hash space with %i equal partitions", (count) => {
    const partitions = createPartitionMap(9, count);
    expect(partitions).toHaveLength(count);
    expect(partitions[0]!.startHash).toBe(0);
    expect(partitions.at(-1)!.endHash).toBe(hashSpaceSize);
    const sizes = partitions.map((partition) => partition.endHash - partition.startHash);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(new Set(partitions.map((partition) => partition.id)).size).toBe(count);
    expect(partitions.every((partition) => partition.id.startsWith("9-"))).toBe(true);
  });

  it("rejects counts that are not positive integers within the bound", () => {
    for (const count of [0, -1, 1.5, 1025])
      expect(() => createPartitionMap(1, count)).toThrow(PartitionMapError);
  });
});

describe("assertPartitionMap", () => {
  const [a, b] = createPartitionMap(1, 2) as [PartitionRecord, PartitionRecord];

  it("accepts a valid map", () => {
    expect(() => assertPartitionMap([a, b])).not.toThrow();
  });

  it.each([
    ["empty", []],
    ["gap", [{ ...a, endHash: a.endHash - 1 }, b]],
    ["overlap", [{ ...a, endHash: a.endHash + 1 }, b]],
    ["out of order", [b, a]],
    ["short of the end", [a, { ...b, endHash: hashSpaceSize - 1 }]],
    [
      "empty range",
      [
        { ...a, endHash: 0 },
        { ...b, startHash: 0 },
      ],
    ],
    ["duplicate id", [a, { ...b, id: a.id }]],
  ])("rejects a map with %s", (_name, partitions) => {
    expect(() => assertPartitionMap(partitions as PartitionRecord[])).toThrow(PartitionMapError);
  });
});

describe("partitionFor and splitPartition", () => {
  it("agrees with a linear search through random splits (seeded)", () => {
    const random = new SeededRandom(7);
    let partitions = createPartitionMap(3, 3);
    for (let round = 0; round < 200; round++) {
      const victim = random.pick(partitions);
      const { partitions: next, lower, upper } = splitPartition(3, partitions, victim.id);
      expect(next).toHaveLength(partitions.length + 1);
      expect(lower.startHash).toBe(victim.startHash);
      expect(lower.endHash).toBe(upper.startHash);
      expect(upper.endHash).toBe(victim.endHash);
      expect(next.some((partition) => partition.id === victim.id)).toBe(false);
      partitions = next;
      for (let probe = 0; probe < 20; probe++) {
        const hash = random.pick([
          0,
          hashSpaceSize - 1,
          lower.startHash,
          upper.startHash,
          upper.endHash - 1,
          random.integer(0, hashSpaceSize - 1),
        ]);
        expect(partitionFor(partitions, hash)).toBe(linearPartitionFor(partitions, hash));
      }
    }
    assertPartitionMap(partitions);
  });

  it("does not change the map it is given", () => {
    const partitions = createPartitionMap(1, 2);
    const copy = structuredClone(partitions);
    splitPartition(1, partitions, partitions[0]!.id);
    expect(partitions).toEqual(copy);
  });

  it("rejects unknown partitions and ones too small to split", () => {
    const partitions = createPartitionMap(1, 1);
    expect(() => splitPartition(1, partitions, "nope")).toThrow(PartitionMapError);
    const tiny: PartitionRecord[] = [
      { id: "1-0-1", startHash: 0, endHash: 1 },
      { id: "1-1-end", startHash: 1, endHash: hashSpaceSize },
    ];
    expect(() => splitPartition(1, tiny, "1-0-1")).toThrow(/too small/);
    expect(() => partitionFor(tiny, hashSpaceSize)).toThrow(PartitionMapError);
  });
});
