/** recipe-app as a library: the dispatcher the `recipe-app` command runs, and its building blocks. */
export type { SavedSession } from "./auth/token-store.js";
export { sessionFileName, TokenStore } from "./auth/token-store.js";
export type { CliContext } from "./cli.js";
export { runRecipeApp, usage } from "./cli.js";
export type { Output } from "./commands/output.js";
export { parseIngredient } from "./commands/recipe-input.js";
export type { AppConfig } from "./config/app-config.js";
export { resolveConfig } from "./config/app-config.js";
export {
  exitCodes,
  LoginFailedError,
  NotLoggedInError,
  PantryRequestError,
  RecipeAppError,
  UnreachableError,
  UsageError,
} from "./errors.js";
