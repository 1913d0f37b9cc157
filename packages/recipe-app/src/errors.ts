/**
 * recipe-app's error catalogue: every failure a user can meet is a class with a stable `code`, a
 * one-sentence message saying what to do, and the process exit code it ends with.
 */

export const exitCodes = { ok: 0, failed: 1, usage: 2, notLoggedIn: 3 } as const;

export class RecipeAppError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number = exitCodes.failed, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** The command line is not one recipe-app understands. */
export class UsageError extends RecipeAppError {
  constructor(message: string) {
    super("USAGE", message, exitCodes.usage);
  }
}

/** No saved session, or it ended (refresh refused, tokens revoked). */
export class NotLoggedInError extends RecipeAppError {
  constructor(message = "You are not signed in: run `recipe-app login` first.") {
    super("NOT_LOGGED_IN", message, exitCodes.notLoggedIn);
  }
}

/** The sign-in did not complete: denied, timed out, or the authorization server refused the code. */
export class LoginFailedError extends RecipeAppError {
  constructor(message: string, options?: ErrorOptions) {
    super("LOGIN_FAILED", message, exitCodes.failed, options);
  }
}

/** Pantry refused a request; `status` and `errorCode` are pantry's. */
export class PantryRequestError extends RecipeAppError {
  readonly status: number;
  readonly errorCode: string;

  constructor(status: number, errorCode: string, message: string) {
    super("PANTRY_REFUSED", `pantry answered ${status} ${errorCode}: ${message}`);
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** A server could not be reached at all. */
export class UnreachableError extends RecipeAppError {
  constructor(what: string, url: string, options?: ErrorOptions) {
    super("UNREACHABLE", `${what} at ${url} cannot be reached; is it running?`, exitCodes.failed, options);
  }
}
