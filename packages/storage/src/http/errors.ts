/**
 * The HTTP layer's one error: a request it refuses before any handler sees it, with the status to
 * answer and a stable code. The connection closes after the answer, since what follows on the socket can
 * no longer be framed.
 */

/** Stable codes of refused requests, each with the status it is answered with. */
export const httpErrorStatuses = {
  MALFORMED_REQUEST: 400,
  DUPLICATE_CONTENT_LENGTH: 400,
  REQUEST_TIMEOUT: 408,
  REQUEST_TOO_LARGE: 413,
  EXPECTATION_FAILED: 417,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_TRANSFER_ENCODING: 501,
} as const;

export type HttpErrorCode = keyof typeof httpErrorStatuses;

export class HttpProtocolError extends Error {
  override readonly name = "HttpProtocolError";
  readonly status: number;

  constructor(
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.status = httpErrorStatuses[code];
  }
}
