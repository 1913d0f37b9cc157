/**
 * Pantry's own error codes, on top of the service kit's catalogue (`VALIDATION_FAILED`, `NOT_FOUND` …)
 * and the resource server's (`TOKEN_MISSING`, `INVALID_TOKEN`, `INSUFFICIENT_SCOPE` …). Each is thrown
 * as a `ServiceError`, so the body is the kit's `{"error": {"code", "message"}}`.
 */
import { ServiceError } from "@hakobune/service-kit";

export const pantryErrorCodes = {
  /** No recipe has the id. */
  RECIPE_NOT_FOUND: 404,
  /** The recipe exists but the caller is not its author, so may not change or delete it. */
  NOT_RECIPE_AUTHOR: 403,
  /** The `version` sent is not the recipe's current version: someone changed it in between. */
  RECIPE_VERSION_CONFLICT: 409,
  /** The pagination cursor was not produced by this listing. */
  INVALID_CURSOR: 400,
} as const;

export type PantryErrorCode = keyof typeof pantryErrorCodes;

export function pantryError(
  code: PantryErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ServiceError {
  return new ServiceError(code, message, {
    statusCode: pantryErrorCodes[code],
    ...(details ? { details } : {}),
  });
}

export function recipeNotFound(id: string): ServiceError {
  return pantryError("RECIPE_NOT_FOUND", `No recipe has the id ${JSON.stringify(id)}.`);
}

export function notRecipeAuthor(): ServiceError {
  return pantryError("NOT_RECIPE_AUTHOR", "Only the recipe's author may change or delete it.");
}

export function versionConflict(expectedVersion: number, currentVersion: number | undefined): ServiceError {
  return pantryError(
    "RECIPE_VERSION_CONFLICT",
    `The recipe is at version ${currentVersion ?? "unknown"}, not ${expectedVersion}: read it again and reapply the change.`,
    currentVersion === undefined ? { expectedVersion } : { expectedVersion, currentVersion },
  );
}
