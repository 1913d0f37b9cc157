/**
 * `recipe-app recipes list|show|add|edit|rm`: the recipes in pantry, as the signed-in user.
 */
import { parseArgs } from "../args.js";
import { UsageError } from "../errors.js";
import type { PantryClient } from "../pantry/pantry-client.js";
import type { Output } from "./output.js";
import { type RecipeFields, recipeFieldsOf, recipeOptions } from "./recipe-input.js";

interface Recipe extends Required<RecipeFields> {
  id: string;
  authorId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface RecipePage {
  recipes: Array<Pick<Recipe, "id" | "title" | "tags" | "version" | "authorId" | "updatedAt">>;
  nextCursor?: string;
}

export const recipesUsage = `recipe-app recipes list [--recent] [--user ID] [--limit N] [--cursor C] [--json]
recipe-app recipes show <id>
recipe-app recipes add (--title T --ingredient "name=qty [unit]"… --step S… [--description D] [--tag T]… | --file F)
recipe-app recipes edit <id> [--title T] [--ingredient …]… [--step …]… [--tag …]… [--file F] [--version N]
recipe-app recipes rm <id> [--version N]`;

export async function recipesCommand(
  args: readonly string[],
  pantry: PantryClient,
  output: Output,
  stdin: () => Promise<string>,
): Promise<void> {
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case "list":
      return list(rest, pantry, output);
    case "show": {
      const { positionals } = parseArgs(rest, {});
      output.json(await pantry.request<Recipe>("GET", `/recipes/${recipeId(positionals)}`));
      return;
    }
    case "add": {
      const parsed = parseArgs(rest, recipeOptions);
      if (parsed.positionals.length > 0) throw new UsageError("recipes add takes no positional arguments.");
      const fields = await recipeFieldsOf(parsed, {}, stdin);
      output.json(await pantry.request<Recipe>("POST", "/recipes", fields));
      return;
    }
    case "edit": {
      const parsed = parseArgs(rest, { ...recipeOptions, values: [...recipeOptions.values, "version"] });
      const id = recipeId(parsed.positionals);
      const current = await pantry.request<Recipe>("GET", `/recipes/${id}`);
      const fields = await recipeFieldsOf(parsed, current, stdin);
      const version = versionOption(parsed.values.get("version")) ?? current.version;
      output.json(await pantry.request<Recipe>("PUT", `/recipes/${id}`, { ...fields, version }));
      return;
    }
    case "rm": {
      const parsed = parseArgs(rest, { values: ["version"] });
      const id = recipeId(parsed.positionals);
      const version = versionOption(parsed.values.get("version"));
      await pantry.request("DELETE", `/recipes/${id}${version === undefined ? "" : `?version=${version}`}`);
      output.line(`Deleted ${id}.`);
      return;
    }
    default:
      throw new UsageError(`Usage:\n${recipesUsage}`);
  }
}

async function list(args: readonly string[], pantry: PantryClient, output: Output): Promise<void> {
  const parsed = parseArgs(args, { values: ["user", "limit", "cursor"], flags: ["recent", "json"] });
  const query = new URLSearchParams();
  const limit = parsed.values.get("limit");
  if (limit !== undefined) query.set("limit", limit);
  const cursor = parsed.values.get("cursor");
  if (cursor !== undefined) query.set("cursor", cursor);
  const user = parsed.values.get("user") ?? "me";
  const path = parsed.flags.has("recent") ? "/recipes" : `/users/${encodeURIComponent(user)}/recipes`;
  const page = await pantry.request<RecipePage>("GET", `${path}${query.size > 0 ? `?${query}` : ""}`);
  if (parsed.flags.has("json")) {
    output.json(page);
    return;
  }
  if (page.recipes.length === 0) output.line("No recipes.");
  for (const recipe of page.recipes) {
    const tags = recipe.tags.length > 0 ? `  [${recipe.tags.join(", ")}]` : "";
    output.line(`${recipe.id}  v${recipe.version}  ${recipe.title}${tags}`);
  }
  if (page.nextCursor !== undefined) output.line(`More: --cursor ${page.nextCursor}`);
}

function recipeId(positionals: string[]): string {
  if (positionals.length !== 1 || positionals[0] === "") throw new UsageError("Name exactly one recipe id.");
  return encodeURIComponent(positionals[0] as string);
}

function versionOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const version = Number(text);
  if (!Number.isSafeInteger(version) || version < 1)
    throw new UsageError(`--version must be a positive integer, got ${text}`);
  return version;
}
