/**
 * The DynamoDB error catalogue. Every error a client may see is a `DynamoError` whose `type` is the
 * exception name DynamoDB uses; the API layer turns it into
 * `{"__type": "com.amazonaws.dynamodb.v20120810#<type>", "message": "…"}` with `status`.
 */
export type DynamoErrorType =
  | "ValidationException"
  | "SerializationException"
  | "ResourceNotFoundException"
  | "ResourceInUseException"
  | "ConditionalCheckFailedException"
  | "TransactionCanceledException"
  | "TransactionConflictException"
  | "IdempotentParameterMismatchException"
  | "ItemCollectionSizeLimitExceededException"
  | "ProvisionedThroughputExceededException"
  | "LimitExceededException"
  | "UnrecognizedClientException"
  | "InvalidSignatureException"
  | "MissingAuthenticationTokenException"
  | "IncompleteSignatureException"
  | "UnknownOperationException"
  | "AccessDeniedException"
  | "RequestTooLarge"
  | "InternalServerError"
  | "ServiceUnavailable";

export class DynamoError extends Error {
  readonly type: DynamoErrorType;
  readonly status: number;
  /** Extra top-level fields of the error body (for example `CancellationReasons` or `Item`). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(type: DynamoErrorType, message: string, status = 400, extra?: Record<string, unknown>) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
    this.extra = extra;
  }
}

/** A request DynamoDB would reject as malformed: `ValidationException`, status 400. */
export function validationError(message: string): DynamoError {
  return new DynamoError("ValidationException", message);
}

export function resourceNotFound(message = "Requested resource not found"): DynamoError {
  return new DynamoError("ResourceNotFoundException", message);
}

export function conditionalCheckFailed(extra?: Record<string, unknown>): DynamoError {
  return new DynamoError("ConditionalCheckFailedException", "The conditional request failed", 400, extra);
}
