/**
 * Opaque pagination cursors: where a listing stopped, as base64url JSON. A cursor is bound to its
 * listing (the author's list of one author, or the recent list), and its sort key must look like ours, so
 * a cursor forged or taken to another listing is refused with 400 `INVALID_CURSOR` instead of steering a
 * Query anywhere else.
 */
import { pantryError } from "../errors.js";
import { listSortKeyPattern } from "./table-keys.js";

export type Cursor =
  /** The author's list: continue after `after`. */
  | { list: "author"; authorId: string; after: string }
  /** The recent list: continue in the partition of `day`, after `after` (from its start when absent). */
  | { list: "recent"; day: string; after?: string };

/** Longest cursor accepted, in characters. */
export const maxCursorChars = 1024;

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** The cursor, checked to belong to `expected` (the listing being read); throws `INVALID_CURSOR`. */
export function decodeCursor(
  text: string,
  expected: { list: "author"; authorId: string } | { list: "recent" },
): Cursor {
  const cursor = parse(text);
  if (cursor === undefined || cursor.list !== expected.list) throw invalidCursor();
  if (cursor.list === "author" && expected.list === "author" && cursor.authorId !== expected.authorId) {
    throw invalidCursor();
  }
  return cursor;
}

function parse(text: string): Cursor | undefined {
  if (text.length > maxCursorChars || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const validAfter = (after: unknown) => typeof after === "string" && listSortKeyPattern.test(after);
  if (fields.list === "author" && typeof fields.authorId === "string" && validAfter(fields.after)) {
    return { list: "author", authorId: fields.authorId, after: fields.after as string };
  }
  if (fields.list === "recent" && typeof fields.day === "string" && dayPattern.test(fields.day)) {
    if (fields.after === undefined) return { list: "recent", day: fields.day };
    if (validAfter(fields.after)) return { list: "recent", day: fields.day, after: fields.after as string };
  }
  return undefined;
}

function invalidCursor() {
  return pantryError(
    "INVALID_CURSOR",
    "The cursor does not belong to this listing; start again without one.",
  );
}
