/**
 * Liveness and readiness: `GET /healthz` answers 200 while the process serves HTTP at all;
 * `GET /readyz` answers 200 only when every readiness check passes, else 503 `NOT_READY` naming the
 * failing check and its reason.
 */
import type { FastifyInstance } from "fastify";
import { errorBody, errorBodySchema, errorCodes } from "../errors.js";
import type { ReadinessChecks } from "./readiness-checks.js";

const okSchema = {
  type: "object",
  properties: { status: { type: "string", const: "ok" } },
  required: ["status"],
} as const;

export function registerHealthRoutes(app: FastifyInstance, readiness: ReadinessChecks): void {
  app.get("/healthz", { schema: { response: { 200: okSchema } } }, async () => ({ status: "ok" }));

  app.get(
    "/readyz",
    { schema: { response: { 200: okSchema, 503: errorBodySchema } } },
    async (_request, reply) => {
      const failure = await readiness.firstFailure();
      if (failure === undefined) return { status: "ok" };
      return reply.code(errorCodes.NOT_READY).send(
        errorBody(
          "NOT_READY",
          `Readiness check ${JSON.stringify(failure.check)} failed: ${asSentenceEnd(failure.reason)}`,
          {
            check: failure.check,
            reason: failure.reason,
          },
        ),
      );
    },
  );
}

function asSentenceEnd(reason: string): string {
  return /[.!?]$/.test(reason) ? reason : `${reason}.`;
}
