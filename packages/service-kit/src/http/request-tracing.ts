/**
 * Per-request identity for logs and downstream calls: echoes the request id in the `x-request-id`
 * response header and exposes the W3C trace context of the request as `request.traceContext`, so that
 * outgoing calls can forward it with `outgoingTraceHeaders(request.traceContext)`.
 */
import type { FastifyInstance } from "fastify";
import { requestIdHeader } from "./request-id.js";
import { traceContextOf } from "./trace-context.js";

export function installRequestTracing(app: FastifyInstance): void {
  app.decorateRequest("traceContext", {
    getter() {
      return traceContextOf(this.raw);
    },
  });
  // A callback hook: an async one would cost a promise and a microtask on every request.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header(requestIdHeader, request.id);
    done();
  });
}
