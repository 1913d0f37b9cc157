/**
 * Pantry's single-table design: one table, generic `pk`/`sk` columns, every read a GetItem or a Query
 * on one partition — never a Scan, and no secondary index:
 *
 * | item            | pk                     | sk                              | holds          |
 * | --------------- | ---------------------- | ------------------------------- | -------------- |
 * | the recipe      | `recipe_id: <id>`      | `recipe`                        | the recipe     |
 * | author's list   | `user_id: <authorId>`  | `created_at: <createdAt>#<id>`  | its summary    |
 * | recent list     | `recent: <YYYY-MM-DD>` | `created_at: <createdAt>#<id>`  | its summary    |
 *
 * The three items of a recipe are written in one transaction, so the lists never disagree with the
 * recipe. Sort keys are ISO timestamps, so a Query with `ScanIndexForward: false` lists newest first.
 * The recent list is split into one partition per day (of creation, UTC), so no partition grows forever.
 */
import type { Recipe } from "./recipe.js";

export interface TableKey {
  pk: string;
  sk: string;
}

export const recipeSortKey = "recipe";

export function recipeKey(id: string): TableKey {
  return { pk: `recipe_id: ${id}`, sk: recipeSortKey };
}

export function authorPartition(authorId: string): string {
  return `user_id: ${authorId}`;
}

export function recentPartition(day: string): string {
  return `recent: ${day}`;
}

/** The sort key a recipe has in both lists. */
export function listSortKey(recipe: Pick<Recipe, "id" | "createdAt">): string {
  return `created_at: ${recipe.createdAt}#${recipe.id}`;
}

/** The sort keys `listSortKey` produces; a cursor carrying anything else is not ours. */
export const listSortKeyPattern =
  /^created_at: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[a-z0-9][a-z0-9-]{0,63}$/;

export function authorListKey(recipe: Pick<Recipe, "id" | "createdAt" | "authorId">): TableKey {
  return { pk: authorPartition(recipe.authorId), sk: listSortKey(recipe) };
}

export function recentListKey(recipe: Pick<Recipe, "id" | "createdAt">): TableKey {
  return { pk: recentPartition(dayOf(recipe.createdAt)), sk: listSortKey(recipe) };
}

/** `2024-05-01` of `2024-05-01T12:00:00.000Z`. */
export function dayOf(isoTimestamp: string): string {
  return isoTimestamp.slice(0, 10);
}

/** The day before `day` (both `YYYY-MM-DD`, UTC). */
export function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
}
