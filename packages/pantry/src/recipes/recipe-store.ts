/**
 * Recipes in storage (see table-keys.ts for the single-table layout). Every write touches the recipe and
 * its two list entries in one transaction, conditioned on the recipe's author and version, so a stale or
 * foreign write changes nothing and the lists never disagree with the recipes.
 */
import { randomUUID } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { notRecipeAuthor, recipeNotFound, versionConflict } from "../errors.js";
import { type Cursor, decodeCursor, encodeCursor } from "./cursor.js";
import { type Recipe, type RecipeInput, type RecipeSummary, summaryOf } from "./recipe.js";
import {
  authorListKey,
  authorPartition,
  dayOf,
  previousDay,
  recentListKey,
  recentPartition,
  recipeKey,
} from "./table-keys.js";

export interface RecipeStoreOptions {
  documents: DynamoDBDocumentClient;
  tableName: string;
  /** How many days back the recent list reaches. */
  recentDays: number;
  /** The clock; tests may pin it. Default: `() => new Date()`. */
  now?: () => Date;
}

export interface RecipePage {
  recipes: RecipeSummary[];
  /** Present when there may be more: pass it back to read the next page. */
  nextCursor?: string;
}

type Item = Record<string, NativeAttributeValue>;

export class RecipeStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #recentDays: number;
  readonly #now: () => Date;

  constructor(options: RecipeStoreOptions) {
    this.#documents = options.documents;
    this.#tableName = options.tableName;
    this.#recentDays = options.recentDays;
    this.#now = options.now ?? (() => new Date());
  }

  async get(id: string): Promise<Recipe | undefined> {
    const { Item } = await this.#documents.send(
      new GetCommand({ TableName: this.#tableName, Key: recipeKey(id), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : recipeOf(Item);
  }

  /** Stores a new recipe by `authorId`; `id` is for fixed ids (the demo seed) and fails if taken. */
  async create(authorId: string, input: RecipeInput, id: string = randomUUID()): Promise<Recipe> {
    const now = this.#now().toISOString();
    const recipe: Recipe = { id, authorId, version: 1, createdAt: now, updatedAt: now, ...input };
    await this.#documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.#tableName,
              Item: { ...recipeKey(id), ...recipe },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          ...this.#listPuts(recipe),
        ],
      }),
    );
    return recipe;
  }

  /**
   * Replaces the recipe's content. Throws `RECIPE_NOT_FOUND`, `NOT_RECIPE_AUTHOR`, or
   * `RECIPE_VERSION_CONFLICT` when `expectedVersion` is not the current one — and then changes nothing.
   */
  async update(id: string, authorId: string, input: RecipeInput, expectedVersion: number): Promise<Recipe> {
    const current = await this.#writable(id, authorId, expectedVersion);
    const recipe: Recipe = {
      ...current,
      ...input,
      version: current.version + 1,
      updatedAt: this.#now().toISOString(),
    };
    try {
      await this.#documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#tableName,
                Item: { ...recipeKey(id), ...recipe },
                ConditionExpression: "authorId = :author AND version = :expected",
                ExpressionAttributeValues: { ":author": authorId, ":expected": expectedVersion },
              },
            },
            ...this.#listPuts(recipe),
          ],
        }),
      );
    } catch (error) {
      throw await this.#explainCancellation(error, id, authorId, expectedVersion);
    }
    return recipe;
  }

  /** Deletes the recipe and its list entries; with `expectedVersion`, only at that version. */
  async delete(id: string, authorId: string, expectedVersion?: number): Promise<void> {
    const current = await this.#writable(id, authorId, expectedVersion);
    const version = expectedVersion ?? current.version;
    try {
      await this.#documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.#tableName,
                Key: recipeKey(id),
                ConditionExpression: "authorId = :author AND version = :expected",
                ExpressionAttributeValues: { ":author": authorId, ":expected": version },
              },
            },
            { Delete: { TableName: this.#tableName, Key: authorListKey(current) } },
            { Delete: { TableName: this.#tableName, Key: recentListKey(current) } },
          ],
        }),
      );
    } catch (error) {
      throw await this.#explainCancellation(error, id, authorId, version);
    }
  }

  /** The author's recipes, newest first. */
  async listByAuthor(authorId: string, limit: number, cursorText?: string): Promise<RecipePage> {
    const cursor =
      cursorText === undefined ? undefined : decodeCursor(cursorText, { list: "author", authorId });
    const partition = authorPartition(authorId);
    const { items, lastSortKey } = await this.#queryNewestFirst(
      partition,
      limit,
      cursor?.list === "author" ? cursor.after : undefined,
    );
    return pageOf(
      items,
      lastSortKey === undefined ? undefined : { list: "author", authorId, after: lastSortKey },
    );
  }

  /** Recipes created in the last `recentDays` days, newest first, walking back one day partition at a time. */
  async listRecent(limit: number, cursorText?: string): Promise<RecipePage> {
    const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText, { list: "recent" });
    const today = dayOf(this.#now().toISOString());
    let oldestDay = today;
    for (let day = 1; day < this.#recentDays; day++) oldestDay = previousDay(oldestDay);
    let day = cursor?.list === "recent" ? cursor.day : today;
    let after = cursor?.list === "recent" ? cursor.after : undefined;
    const items: Item[] = [];
    // Bounded by the number of day partitions in the window.
    for (let partitions = 0; partitions < this.#recentDays && day >= oldestDay; partitions++) {
      const page = await this.#queryNewestFirst(recentPartition(day), limit - items.length, after);
      items.push(...page.items);
      if (items.length >= limit) {
        const next: Cursor | undefined =
          page.lastSortKey !== undefined
            ? { list: "recent", day, after: page.lastSortKey }
            : day > oldestDay
              ? { list: "recent", day: previousDay(day) }
              : undefined;
        return pageOf(items, next);
      }
      day = previousDay(day);
      after = undefined;
    }
    return pageOf(items, undefined);
  }

  async #queryNewestFirst(partition: string, limit: number, after: string | undefined) {
    const { Items = [], LastEvaluatedKey } = await this.#documents.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": partition },
        ScanIndexForward: false,
        Limit: limit,
        ...(after === undefined ? {} : { ExclusiveStartKey: { pk: partition, sk: after } }),
      }),
    );
    return { items: Items, lastSortKey: LastEvaluatedKey?.sk as string | undefined };
  }

  #listPuts(recipe: Recipe) {
    const summary = summaryOf(recipe);
    return [
      { Put: { TableName: this.#tableName, Item: { ...authorListKey(recipe), ...summary } } },
      { Put: { TableName: this.#tableName, Item: { ...recentListKey(recipe), ...summary } } },
    ];
  }

  /** The current recipe, if `authorId` may write it at `expectedVersion`; else the reason, thrown. */
  async #writable(id: string, authorId: string, expectedVersion: number | undefined): Promise<Recipe> {
    const current = await this.get(id);
    if (current === undefined) throw recipeNotFound(id);
    if (current.authorId !== authorId) throw notRecipeAuthor();
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw versionConflict(expectedVersion, current.version);
    }
    return current;
  }

  /** A write lost a race: say why, from what is stored now. */
  async #explainCancellation(error: unknown, id: string, authorId: string, expectedVersion: number) {
    if (!(error instanceof TransactionCanceledException)) return error;
    const current = await this.get(id);
    if (current === undefined) return recipeNotFound(id);
    if (current.authorId !== authorId) return notRecipeAuthor();
    return versionConflict(expectedVersion, current.version);
  }
}

function recipeOf(item: Item): Recipe {
  const { pk: _pk, sk: _sk, ...recipe } = item;
  return recipe as Recipe;
}

function pageOf(items: Item[], next: Cursor | undefined): RecipePage {
  const recipes = items.map((item) => {
    const { id, authorId, title, tags, version, createdAt, updatedAt } = item as RecipeSummary;
    return { id, authorId, title, tags, version, createdAt, updatedAt };
  });
  return next === undefined ? { recipes } : { recipes, nextCursor: encodeCursor(next) };
}
