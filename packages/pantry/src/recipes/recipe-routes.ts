/**
 * The recipes API. Reading needs the scope `recipes:read`, writing `recipes:write`; only a recipe's
 * author may change or delete it. Every route declares its schemas, so bad input is refused with 400
 * `VALIDATION_FAILED` before it reaches storage.
 *
 * | route                              | does                                                    |
 * | ---------------------------------- | ------------------------------------------------------- |
 * | `GET /recipes?limit&cursor`        | recent recipes, newest first                            |
 * | `POST /recipes`                    | creates a recipe (201, `Location`)                      |
 * | `GET /recipes/:id`                 | one recipe                                              |
 * | `PUT /recipes/:id`                 | replaces its content; the body names the version read   |
 * | `DELETE /recipes/:id?version`      | deletes it (204); with `version`, only at that version  |
 * | `GET /users/:userId/recipes`       | an author's recipes, newest first (`me`: the caller's)  |
 */
import { errorBodySchema } from "@hakobune/service-kit";
import type { FastifyInstance } from "fastify";
import type { Authentication } from "../auth/authentication.js";
import { recipeNotFound } from "../errors.js";
import type { PantryMetrics } from "../metrics/pantry-metrics.js";
import { maxCursorChars } from "./cursor.js";
import {
  normalizedInput,
  type RecipeInput,
  recipeIdPattern,
  recipeInputSchema,
  recipePageSchema,
  recipeSchema,
  recipeUpdateSchema,
} from "./recipe.js";
import type { RecipeStore } from "./recipe-store.js";

export const readScope = "recipes:read";
export const writeScope = "recipes:write";
/** Recipes per page when the client does not say. */
export const defaultPageSize = 20;
/** Most recipes per page. */
export const maxPageSize = 100;
/** The `userId` that stands for the caller. */
export const callerAlias = "me";

export interface RecipeRoutesOptions {
  store: RecipeStore;
  authentication: Authentication;
  metrics: PantryMetrics;
}

const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: recipeIdPattern } },
} as const;

const pageQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    limit: { type: "integer", minimum: 1, maximum: maxPageSize, default: defaultPageSize },
    cursor: { type: "string", minLength: 1, maxLength: maxCursorChars },
  },
} as const;

const errors = { "4xx": errorBodySchema, "5xx": errorBodySchema } as const;

interface PageQuery {
  limit: number;
  cursor?: string;
}

export async function recipeRoutes(
  app: FastifyInstance,
  { store, authentication, metrics }: RecipeRoutesOptions,
) {
  const canRead = authentication.requireScope(readScope);
  const canWrite = authentication.requireScope(writeScope);

  app.get<{ Querystring: PageQuery }>(
    "/recipes",
    {
      preHandler: canRead,
      schema: { querystring: pageQuery, response: { 200: recipePageSchema, ...errors } },
    },
    async (request) => store.listRecent(request.query.limit, request.query.cursor),
  );

  app.post<{ Body: RecipeInput }>(
    "/recipes",
    { preHandler: canWrite, schema: { body: recipeInputSchema, response: { 201: recipeSchema, ...errors } } },
    async (request, reply) => {
      const recipe = await store.create(authentication.callerOf(request), normalizedInput(request.body));
      metrics.recipesWritten.inc({ operation: "create" });
      return reply.code(201).header("location", `/recipes/${recipe.id}`).send(recipe);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/recipes/:id",
    { preHandler: canRead, schema: { params: idParams, response: { 200: recipeSchema, ...errors } } },
    async (request) => {
      const recipe = await store.get(request.params.id);
      if (recipe === undefined) throw recipeNotFound(request.params.id);
      return recipe;
    },
  );

  app.put<{ Params: { id: string }; Body: RecipeInput & { version: number } }>(
    "/recipes/:id",
    {
      preHandler: canWrite,
      schema: { params: idParams, body: recipeUpdateSchema, response: { 200: recipeSchema, ...errors } },
    },
    async (request) => {
      const { version, ...input } = request.body;
      const recipe = await counted(metrics, () =>
        store.update(request.params.id, authentication.callerOf(request), normalizedInput(input), version),
      );
      metrics.recipesWritten.inc({ operation: "update" });
      return recipe;
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { version?: number } }>(
    "/recipes/:id",
    {
      preHandler: canWrite,
      schema: {
        params: idParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { version: { type: "integer", minimum: 1 } },
        },
        response: errors,
      },
    },
    async (request, reply) => {
      await counted(metrics, () =>
        store.delete(request.params.id, authentication.callerOf(request), request.query.version),
      );
      metrics.recipesWritten.inc({ operation: "delete" });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { userId: string }; Querystring: PageQuery }>(
    "/users/:userId/recipes",
    {
      preHandler: canRead,
      schema: {
        params: {
          type: "object",
          required: ["userId"],
          properties: { userId: { type: "string", minLength: 1, maxLength: 256 } },
        },
        querystring: pageQuery,
        response: { 200: recipePageSchema, ...errors },
      },
    },
    async (request) => {
      const { userId } = request.params;
      const authorId = userId === callerAlias ? authentication.callerOf(request) : userId;
      return store.listByAuthor(authorId, request.query.limit, request.query.cursor);
    },
  );
}

/** Runs a write, counting the refusals that are the caller's to fix. */
async function counted<T>(metrics: PantryMetrics, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "RECIPE_VERSION_CONFLICT") metrics.writesRefused.inc({ reason: "version_conflict" });
    if (code === "NOT_RECIPE_AUTHOR") metrics.writesRefused.inc({ reason: "not_author" });
    throw error;
  }
}
