/** The partition-key hash: stable across releases, well spread, and segment ranges that tile the space. */
import { describe, expect, it } from "vitest";
import { hashPartitionKey, hashSpaceSize, segmentHashRange } from "../../src/partitions/hash.js";
import { keyValueBytes } from "../../src/partitions/key-encoding.js";

const utf8 = new TextEncoder();

describe("hashPartitionKey", () => {
  it("never changes for a given key: the value is part of the on-disk layout", () => {
    expect(hashPartitionKey("S", utf8.encode("a"))).toBe(1005598621);
    expect(hashPartitionKey("S", utf8.encode("user#123"))).toBe(
      hashPartitionKey("S", utf8.encode("user#123")),
    );
  });

  it("hashes the key type too, and equal numbers equally", () => {
    expect(hashPartitionKey("S", utf8.encode("a"))).not.toBe(hashPartitionKey("B", utf8.encode("a")));
    expect(hashPartitionKey("N", keyValueBytes({ N: "1.50" }, "N"))).toBe(
      hashPartitionKey("N", keyValueBytes({ N: "15E-1" }, "N")),
    );
  });

  it("spreads similar keys evenly over the hash space", () => {
    const buckets = new Array<number>(16).fill(0);
    const keys = 64_000;
    for (let i = 0; i < keys; i++) {
      const hash = hashPartitionKey("S", utf8.encode(`user#${i}`));
      expect(hash >= 0 && hash < hashSpaceSize && Number.isInteger(hash)).toBe(true);
      buckets[Math.floor(hash / (hashSpaceSize / 16))]!++;
    }
    const expected = keys / 16;
    for (const count of buckets) expect(Math.abs(count - expected) / expected).toBeLessThan(0.05);
  });
});

describe("segmentHashRange", () => {
  it.each([1, 2, 3, 7, 1000])("tiles the hash space with %i segments", (totalSegments) => {
    let expectedStart = 0;
    for (let segment = 0; segment < totalSegments; segment++) {
      const { startHash, endHash } = segmentHashRange(segment, totalSegments);
      expect(startHash).toBe(expectedStart);
      expect(endHash).toBeGreaterThan(startHash);
      expectedStart = endHash;
    }
    expect(expectedStart).toBe(hashSpaceSize);
  });

  it("rejects segments outside [0, totalSegments)", () => {
    expect(() => segmentHashRange(2, 2)).toThrow(RangeError);
    expect(() => segmentHashRange(-1, 2)).toThrow(RangeError);
    expect(() => segmentHashRange(0, 0)).toThrow(RangeError);
    expect(() => segmentHashRange(0.5, 2)).toThrow(RangeError);
  });
});
