/** Pantry's public surface: the recipes API as a library (for embedding and tests) and its building blocks. */
export type { Pantry } from "./app.js";
export { createPantry } from "./app.js";
export { anonymousCallerId } from "./auth/authentication.js";
export type { PantryConfig } from "./config/pantry-config.js";
export { defaultPantryPort, loadPantryConfig, pantryAudience } from "./config/pantry-config.js";
export type { PantryErrorCode } from "./errors.js";
export { pantryErrorCodes } from "./errors.js";
export type { Ingredient, Recipe, RecipeInput, RecipeSummary } from "./recipes/recipe.js";
export { recipeBounds } from "./recipes/recipe.js";
export { callerAlias, defaultPageSize, maxPageSize, readScope, writeScope } from "./recipes/recipe-routes.js";
export type { RecipePage } from "./recipes/recipe-store.js";
export { RecipeStore } from "./recipes/recipe-store.js";
export { demoAuthorId, demoRecipes } from "./seed/demo-recipes.js";
