/**
 * The service kit's error catalogue. Every HTTP error a Hakobune service answers has the body
 * `{"error": {"code": "…", "message": "…"}}`; `errorCodes` lists the codes the kit itself produces with
 * the HTTP status each one answers with. Services throw `ServiceError` with one of these codes or with a
 * code of their own (and then a status of their own).
 */
export const errorCodes = {
  /** A request the service cannot act on and no more specific code fits. */
  BAD_REQUEST: 400,
  /** The body was declared as JSON but does not parse. */
  MALFORMED_JSON: 400,
  /** The request does not match the route's schema (body, query string, parameters or headers). */
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /** No route matches, or the addressed resource does not exist. */
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** The body is larger than the service's `bodyLimitBytes`. */
  BODY_TOO_LARGE: 413,
  /** No parser for the request's `content-type`. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  /** An unexpected failure; the message never carries the cause, which goes to the log. */
  INTERNAL: 500,
  /** A readiness check failed (`GET /readyz`). */
  NOT_READY: 503,
  /** The service is draining before it exits and takes no new requests. */
  SHUTTING_DOWN: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** JSON schema of `ErrorBody`, for routes that declare their error responses. */
export const errorBodySchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        details: { type: "object", additionalProperties: true },
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
} as const;

export interface ServiceErrorOptions {
  /** HTTP status; defaults to the catalogue's status for the kit's own codes. */
  statusCode?: number;
  /** Machine-readable extra facts, sent as `error.details`. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * An error meant for the client: its `code`, `message` and `details` are sent as they are, with
 * `statusCode`. Anything else thrown from a handler becomes a generic 500 `INTERNAL`.
 */
export class ServiceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: ServiceErrorOptions);
  constructor(code: string, message: string, options: ServiceErrorOptions & { statusCode: number });
  constructor(code: string, message: string, options: ServiceErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ServiceError";
    this.code = code;
    this.statusCode = options.statusCode ?? statusForCode(code);
    this.details = options.details;
    if (!Number.isInteger(this.statusCode) || this.statusCode < 400 || this.statusCode > 599) {
      throw new RangeError(
        `ServiceError ${code} needs an HTTP error status (400-599), got ${this.statusCode}`,
      );
    }
  }

  /** The response body for this error. */
  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.details);
  }
}

/** Builds the error response body; `details` is left out when there are none. */
export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function statusForCode(code: string): number {
  return Object.hasOwn(errorCodes, code) ? errorCodes[code as ErrorCode] : errorCodes.INTERNAL;
}

/** Longest piece of a rejected value echoed in a `ConfigError` message, in characters. */
export const maxEchoedValueChars = 64;

/**
 * An environment variable holds a value its service cannot use. The message is one sentence naming the
 * variable, what was expected and the value found:
 * `PANTRY_PORT must be an integer between 0 and 65535, got "abc"`.
 */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly variable: string;
  readonly value: string;
  readonly expected: string;

  constructor(variable: string, value: string, expected: string) {
    super(`${variable} must be ${expected}, got ${JSON.stringify(echoable(value))}`);
    this.name = "ConfigError";
    this.variable = variable;
    this.value = value;
    this.expected = expected;
  }
}

function echoable(value: string): string {
  return value.length <= maxEchoedValueChars ? value : `${value.slice(0, maxEchoedValueChars)}…`;
}
