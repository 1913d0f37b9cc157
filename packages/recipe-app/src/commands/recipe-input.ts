/**
 * Builds a recipe from command-line options (`--title`, `--description`, `--ingredient "dashi=600 ml"`,
 * `--step …`, `--tag …`) or from a JSON file (`--file recipe.json`, `--file -` for standard input).
 * Options given replace the matching fields of `base` (the stored recipe, when editing).
 */
import { readFile } from "node:fs/promises";
import type { ParsedArgs } from "../args.js";
import { UsageError } from "../errors.js";

export interface Ingredient {
  name: string;
  quantity: number;
  unit?: string;
}

export interface RecipeFields {
  title?: string;
  description?: string;
  ingredients?: Ingredient[];
  steps?: string[];
  tags?: string[];
}

/** Largest recipe file read, in bytes. */
export const maxRecipeFileBytes = 1024 * 1024;

export const recipeOptions = {
  values: ["title", "description", "file"],
  repeated: ["ingredient", "step", "tag"],
} as const;

export async function recipeFieldsOf(
  args: ParsedArgs,
  base: RecipeFields,
  stdin: () => Promise<string>,
): Promise<RecipeFields> {
  const file = args.values.get("file");
  const fromFile = file === undefined ? {} : await readRecipeFile(file, stdin);
  const fields: RecipeFields = { ...pick(base), ...fromFile };
  const title = args.values.get("title");
  if (title !== undefined) fields.title = title;
  const description = args.values.get("description");
  if (description !== undefined) fields.description = description;
  const ingredients = args.repeated.get("ingredient");
  if (ingredients !== undefined) fields.ingredients = ingredients.map(parseIngredient);
  const steps = args.repeated.get("step");
  if (steps !== undefined) fields.steps = steps;
  const tags = args.repeated.get("tag");
  if (tags !== undefined) fields.tags = tags;
  return fields;
}

/** `dashi=600 ml` → `{name: "dashi", quantity: 600, unit: "ml"}`; `eggs=3` → no unit. */
export function parseIngredient(text: string): Ingredient {
  const equals = text.lastIndexOf("=");
  const name = text.slice(0, equals).trim();
  const [quantityText = "", ...unitWords] = text
    .slice(equals + 1)
    .trim()
    .split(/\s+/);
  const quantity = Number(quantityText);
  if (equals === -1 || name === "" || quantityText === "" || !Number.isFinite(quantity)) {
    throw new UsageError(
      `--ingredient must look like "name=quantity [unit]", e.g. "dashi=600 ml"; got ${JSON.stringify(text)}`,
    );
  }
  const unit = unitWords.join(" ");
  return unit === "" ? { name, quantity } : { name, quantity, unit };
}

async function readRecipeFile(path: string, stdin: () => Promise<string>): Promise<RecipeFields> {
  const text =
    path === "-"
      ? await stdin()
      : await readFile(path, "utf8").catch(() => {
          throw new UsageError(`Cannot read the recipe file ${path}.`);
        });
  if (text.length > maxRecipeFileBytes)
    throw new UsageError(`The recipe file is larger than ${maxRecipeFileBytes} bytes.`);
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return pick(value as RecipeFields);
  } catch {
    throw new UsageError(`The recipe file ${path} is not a JSON object.`);
  }
}

/** Only the fields a client may set (never id, author, version or dates). */
function pick({ title, description, ingredients, steps, tags }: RecipeFields): RecipeFields {
  const fields: RecipeFields = { title, description, ingredients, steps, tags };
  for (const key of Object.keys(fields) as (keyof RecipeFields)[])
    if (fields[key] === undefined) delete fields[key];
  return fields;
}
