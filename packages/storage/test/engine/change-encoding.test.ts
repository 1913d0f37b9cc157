/**
 * The change record text built from pre-encoded images is exactly `JSON.stringify` of the record, for
 * every kind and for strings that JSON must escape.
 */
import { describe, expect, it } from "vitest";
import { encodeChangeRecord } from "../../src/engine/change-encoding.js";
import type { ChangeKind, ChangeRecord } from "../../src/engine/change-record.js";
import type { Item } from "../../src/values/types.js";

function encodedLikeStringify(record: ChangeRecord): string {
  return encodeChangeRecord({
    sequence: record.sequence,
    tableNameJson: JSON.stringify(record.tableName),
    partitionIdJson: JSON.stringify(record.partitionId),
    kind: record.kind,
    keyJson: JSON.stringify(record.key),
    oldImageJson: record.oldImage === undefined ? undefined : JSON.stringify(record.oldImage),
    newImageJson: record.newImage === undefined ? undefined : JSON.stringify(record.newImage),
    timeMs: record.timeMs,
  });
}

const key: Item = { pk: { S: 'quote " backslash \\ newline \n' }, sk: { N: "-1.5E+3" } };
const tricky: Item = {
  ...key,
  // Computed, so that it is an own attribute rather than the literal's prototype.
  ["__proto__"]: { S: "own attribute" },
  "line\u2028separator": { S: "\u0000\u001f\ud83d\ude00 lone \ud800" },
  nested: { M: { list: { L: [{ NULL: true }, { BOOL: false }, { B: "AAE=" }] } } },
  sets: { SS: ["a", "b"] },
};

describe("encodeChangeRecord", () => {
  const kinds: [ChangeKind, Item | undefined, Item | undefined][] = [
    ["INSERT", undefined, tricky],
    ["MODIFY", key, tricky],
    ["REMOVE", tricky, undefined],
  ];
  for (const [kind, oldImage, newImage] of kinds) {
    it(`equals JSON.stringify of a ${kind} record and parses back to it`, () => {
      const record: ChangeRecord = {
        sequence: 9_007_199_254_740_991,
        tableName: "table.name-1_x",
        partitionId: "7-00000000-40000000",
        kind,
        key,
        ...(oldImage ? { oldImage } : {}),
        ...(newImage ? { newImage } : {}),
        timeMs: 1_764_000_000_123,
      };
      const text = encodedLikeStringify(record);
      expect(text).toBe(JSON.stringify(record));
      expect(JSON.parse(text)).toEqual(record);
    });
  }
});
