/**
 * A recipe: what a client sends (`RecipeInput`), what pantry stores and returns (`Recipe`), the short
 * form listings return (`RecipeSummary`), and the JSON schemas that bound every field. The bounds keep
 * the largest possible recipe well under a storage item's 400 KB.
 */

export interface Ingredient {
  name: string;
  /** How much, in `unit`s; a positive number. */
  quantity: number;
  /** `g`, `ml`, `tbsp`, `cloves` …; absent for a count ("3 eggs"). */
  unit?: string;
}

export interface RecipeInput {
  title: string;
  description: string;
  ingredients: Ingredient[];
  steps: string[];
  tags: string[];
}

export interface Recipe extends RecipeInput {
  id: string;
  /** The subject (`sub`) of the person who created it; only they may change or delete it. */
  authorId: string;
  /** Starts at 1; every update adds 1. An update must name the version it read. */
  version: number;
  /** ISO 8601, UTC, milliseconds. */
  createdAt: string;
  updatedAt: string;
}

export type RecipeSummary = Pick<
  Recipe,
  "id" | "authorId" | "title" | "tags" | "version" | "createdAt" | "updatedAt"
>;

export const recipeBounds = {
  maxTitleChars: 200,
  maxDescriptionChars: 4000,
  maxIngredients: 100,
  maxIngredientNameChars: 200,
  maxUnitChars: 32,
  maxQuantity: 1_000_000,
  maxSteps: 100,
  maxStepChars: 2000,
  maxTags: 20,
  maxTagChars: 32,
} as const;

/** Ids are UUIDs; demo recipes use readable slugs. Either fits this pattern. */
export const recipeIdPattern = "^[a-z0-9][a-z0-9-]{0,63}$";
const tagPattern = `^[a-z0-9][a-z0-9-]{0,${recipeBounds.maxTagChars - 1}}$`;

const ingredientSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name", "quantity"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: recipeBounds.maxIngredientNameChars },
    quantity: { type: "number", exclusiveMinimum: 0, maximum: recipeBounds.maxQuantity },
    unit: { type: "string", minLength: 1, maxLength: recipeBounds.maxUnitChars },
  },
} as const;

const recipeFields = {
  title: { type: "string", minLength: 1, maxLength: recipeBounds.maxTitleChars },
  description: { type: "string", maxLength: recipeBounds.maxDescriptionChars },
  ingredients: { type: "array", minItems: 1, maxItems: recipeBounds.maxIngredients, items: ingredientSchema },
  steps: {
    type: "array",
    minItems: 1,
    maxItems: recipeBounds.maxSteps,
    items: { type: "string", minLength: 1, maxLength: recipeBounds.maxStepChars },
  },
  tags: {
    type: "array",
    maxItems: recipeBounds.maxTags,
    uniqueItems: true,
    items: { type: "string", pattern: tagPattern },
  },
} as const;

/** Body of `POST /recipes`. */
export const recipeInputSchema = {
  type: "object",
  additionalProperties: false,
  required: ["title", "ingredients", "steps"],
  properties: recipeFields,
} as const;

/** Body of `PUT /recipes/:id`: the whole recipe again, and the version it was read at. */
export const recipeUpdateSchema = {
  type: "object",
  additionalProperties: false,
  required: ["title", "ingredients", "steps", "version"],
  properties: { ...recipeFields, version: { type: "integer", minimum: 1 } },
} as const;

const metadataFields = {
  id: { type: "string" },
  authorId: { type: "string" },
  version: { type: "integer" },
  createdAt: { type: "string" },
  updatedAt: { type: "string" },
} as const;

export const recipeSchema = {
  type: "object",
  required: [
    "id",
    "authorId",
    "version",
    "createdAt",
    "updatedAt",
    "title",
    "description",
    "ingredients",
    "steps",
    "tags",
  ],
  properties: { ...metadataFields, ...recipeFields },
} as const;

export const recipeSummarySchema = {
  type: "object",
  required: ["id", "authorId", "version", "createdAt", "updatedAt", "title", "tags"],
  properties: { ...metadataFields, title: recipeFields.title, tags: recipeFields.tags },
} as const;

/** A page of a listing; `nextCursor` is absent on the last page. */
export const recipePageSchema = {
  type: "object",
  required: ["recipes"],
  properties: { recipes: { type: "array", items: recipeSummarySchema }, nextCursor: { type: "string" } },
} as const;

/** The input with its optional fields filled in, so that stored recipes always have every field. */
export function normalizedInput(
  input: Partial<RecipeInput> & Pick<RecipeInput, "title" | "ingredients" | "steps">,
): RecipeInput {
  return {
    title: input.title,
    description: input.description ?? "",
    ingredients: input.ingredients.map(({ name, quantity, unit }) =>
      unit === undefined ? { name, quantity } : { name, quantity, unit },
    ),
    steps: input.steps,
    tags: input.tags ?? [],
  };
}

export function summaryOf(recipe: Recipe): RecipeSummary {
  const { id, authorId, title, tags, version, createdAt, updatedAt } = recipe;
  return { id, authorId, title, tags, version, createdAt, updatedAt };
}
