/**
 * The auth-center's error catalogue: every error a caller may handle is a class with a stable `code`.
 * Protocol errors (invalid_grant, access_denied …) are oidc-provider's own and are not repeated here.
 */

/** Base class of auth-center errors; `code` is stable across releases and safe to match on. */
export class AuthCenterError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The clients file is missing, unreadable or declares an invalid client or resource. */
export class ClientsFileError extends AuthCenterError {
  constructor(message: string, options?: ErrorOptions) {
    super("AUTH_CLIENTS_FILE_INVALID", message, options);
  }
}

/** A sign-up named an email address that already has an account. */
export class AccountExistsError extends AuthCenterError {
  constructor() {
    super("AUTH_ACCOUNT_EXISTS", "An account with this email address already exists.");
  }
}

/** A sign-up or password change supplied values that fail the account rules (length, format). */
export class AccountInputError extends AuthCenterError {
  constructor(message: string) {
    super("AUTH_ACCOUNT_INPUT_INVALID", message);
  }
}

/** A concurrent writer changed a stored record between our read and our conditional write. */
export class ConcurrentUpdateError extends AuthCenterError {
  constructor(what: string) {
    super("AUTH_CONCURRENT_UPDATE", `${what} was changed concurrently; retry the operation.`);
  }
}

/**
 * A one-time artifact (authorization code, refresh token) was consumed twice at the same moment; the
 * grant behind it has been revoked, as for any replay.
 */
export class ArtifactReplayedError extends AuthCenterError {
  constructor(model: string) {
    super("AUTH_ARTIFACT_REPLAYED", `${model} was already consumed; its grant has been revoked.`);
  }
}

/** The revocation event stream already has its maximum number of subscribers. */
export class TooManySubscribersError extends AuthCenterError {
  constructor(maxSubscribers: number) {
    super("AUTH_TOO_MANY_SUBSCRIBERS", `The revocation stream is limited to ${maxSubscribers} subscribers.`);
  }
}

/** A sign-in page was used after its interaction expired, or with another interaction's cookie. */
export class InteractionExpiredError extends AuthCenterError {
  constructor(options?: ErrorOptions) {
    super(
      "AUTH_INTERACTION_EXPIRED",
      "This sign-in page has expired. Go back to the app and start again.",
      options,
    );
  }
}
