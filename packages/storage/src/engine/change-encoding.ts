/**
 * The stored text of a change record, assembled from the JSON text of its images: a write already
 * holds the old item as read from the store and the new item as it is about to be stored, so the
 * record reuses both texts instead of encoding the images a second time. The result is exactly
 * `JSON.stringify` of the `ChangeRecord`, so every reader decodes it as plain JSON.
 */
import type { ChangeKind } from "./change-record.js";

export interface EncodedChange {
  sequence: number;
  /** `JSON.stringify(tableName)`: constant per table, so callers may keep it. */
  tableNameJson: string;
  /** `JSON.stringify(partitionId)`. */
  partitionIdJson: string;
  kind: ChangeKind;
  /** JSON text of the key attributes. */
  keyJson: string;
  /** JSON text of the item before the write; absent for INSERT. */
  oldImageJson: string | undefined;
  /** JSON text of the item after the write; absent for REMOVE. */
  newImageJson: string | undefined;
  timeMs: number;
}

/** The JSON text of a change record, member for member in `ChangeRecord`'s order. */
export function encodeChangeRecord(change: EncodedChange): string {
  const oldImage = change.oldImageJson === undefined ? "" : `,"oldImage":${change.oldImageJson}`;
  const newImage = change.newImageJson === undefined ? "" : `,"newImage":${change.newImageJson}`;
  return `{"sequence":${change.sequence},"tableName":${change.tableNameJson},"partitionId":${change.partitionIdJson},"kind":"${change.kind}","key":${change.keyJson}${oldImage}${newImage},"timeMs":${change.timeMs}}`;
}
