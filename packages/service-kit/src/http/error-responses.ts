/**
 * One error shape for every response a service answers with a failure:
 * `{"error": {"code": "…", "message": "…"}}` with the matching status. Covers thrown `ServiceError`s,
 * schema validation failures, Fastify's body parsing errors, unknown routes, and unexpected errors, whose
 * cause goes to the log and never to the client.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorBody, errorBody, errorCodes, ServiceError } from "../errors.js";
import {
  describeSchemaViolation,
  type SchemaViolation,
  type ValidationLocation,
} from "./validation-message.js";

/** Longest piece of a request path echoed in a `NOT_FOUND` message, in characters. */
export const maxEchoedPathChars = 200;

interface ErrorResponse {
  statusCode: number;
  body: ErrorBody;
}

/** Codes for errors that carry only an HTTP status (Fastify's own and those of plugins). */
const codeForClientStatus: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "BODY_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
};

export function installErrorResponses(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const response = errorResponseFor(error, request);
    if (response.statusCode >= 500) {
      request.log.error({ err: error, errorCode: response.body.error.code }, "request failed");
    } else {
      request.log.info({ errorCode: response.body.error.code }, "request rejected");
    }
    return reply.code(response.statusCode).send(response.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?", 1)[0] ?? "";
    const echoed = path.length <= maxEchoedPathChars ? path : `${path.slice(0, maxEchoedPathChars)}…`;
    return reply
      .code(errorCodes.NOT_FOUND)
      .send(errorBody("NOT_FOUND", `No route serves ${request.method} ${echoed}.`));
  });
}

function errorResponseFor(error: unknown, request: FastifyRequest): ErrorResponse {
  if (error instanceof ServiceError) {
    return { statusCode: error.statusCode, body: error.toBody() };
  }
  const failure = isRecord(error) ? error : {};
  if (Array.isArray(failure.validation) && failure.validation.length > 0) {
    const location = (failure.validationContext ?? "body") as ValidationLocation;
    const { message, field } = describeSchemaViolation(failure.validation[0] as SchemaViolation, location);
    return clientError("VALIDATION_FAILED", message, { location, field });
  }
  switch (failure.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return clientError("MALFORMED_JSON", "The request body is not valid JSON.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return clientError("MALFORMED_JSON", "The request body is empty, but its content-type says JSON.");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return clientError(
        "BODY_TOO_LARGE",
        `The request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes.`,
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return clientError(
        "UNSUPPORTED_MEDIA_TYPE",
        `Content-type ${JSON.stringify(request.headers["content-type"] ?? "")} is not supported here.`,
      );
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return clientError("BAD_REQUEST", "The request body's size does not match its content-length.");
  }
  const statusCode = failure.statusCode;
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    const message = typeof failure.message === "string" ? failure.message : "The request was rejected.";
    return { statusCode, body: errorBody(codeForClientStatus[statusCode] ?? "BAD_REQUEST", message) };
  }
  return {
    statusCode: errorCodes.INTERNAL,
    body: errorBody("INTERNAL", "The service failed unexpectedly; the failure has been logged."),
  };
}

function clientError(
  code: "BAD_REQUEST" | "MALFORMED_JSON" | "VALIDATION_FAILED" | "BODY_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE",
  message: string,
  details?: Record<string, unknown>,
): ErrorResponse {
  return { statusCode: errorCodes[code], body: errorBody(code, message, details) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
