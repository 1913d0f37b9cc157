/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): reads a valid `traceparent` (and its
 * `tracestate`) from an incoming request, gives the request a span id of its own, and builds the headers
 * that carry the trace on to the calls the service makes while handling the request.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

declare module "fastify" {
  interface FastifyRequest {
    /** The trace this request belongs to; `undefined` when it came without a valid `traceparent`. */
    readonly traceContext: TraceContext | undefined;
  }
}

/** Longest `tracestate` passed on, in characters; the specification allows dropping longer ones. */
export const maxTracestateChars = 512;

export interface TraceContext {
  /** 32 lowercase hex digits shared by every span of the trace. */
  readonly traceId: string;
  /** The caller's span id (the `parent-id` of the incoming `traceparent`). */
  readonly parentSpanId: string;
  /** This request's own span id: the parent of every call made while handling it. */
  readonly spanId: string;
  /** The trace flags as two hex digits; `01` means sampled. */
  readonly traceFlags: string;
  /** The incoming `tracestate`, passed on untouched, if any. */
  readonly tracestate: string | undefined;
}

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const allZeros = /^0+$/;

/** The trace context of a `traceparent` header value, or `undefined` when it is absent or invalid. */
export function parseTraceparent(
  traceparent: string | undefined,
  tracestate?: string,
): TraceContext | undefined {
  if (traceparent === undefined) return undefined;
  const match = traceparentPattern.exec(traceparent.trim());
  if (match === null) return undefined;
  const [, version, traceId, parentSpanId, traceFlags, future] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  // Version 00 has exactly four fields; later versions may append more, and ff is forbidden.
  if (version === "ff" || (version === "00" && future !== undefined)) return undefined;
  if (allZeros.test(traceId) || allZeros.test(parentSpanId)) return undefined;
  return {
    traceId,
    parentSpanId,
    spanId: newSpanId(),
    traceFlags,
    tracestate: tracestate !== undefined && tracestate.length <= maxTracestateChars ? tracestate : undefined,
  };
}

function newSpanId(): string {
  const spanId = randomBytes(8).toString("hex");
  // An all-zero span id is invalid; drawing it has a chance of 2^-64, so any fixed valid id will do.
  return allZeros.test(spanId) ? "0000000000000001" : spanId;
}

const contexts = new WeakMap<IncomingMessage, TraceContext | null>();

/**
 * The trace context of an incoming request, parsed once per request (its span id must not change). A
 * request without `traceparent` skips the cache: most requests come untraced, and each WeakMap entry
 * costs work for the garbage collector too.
 */
export function traceContextOf(request: IncomingMessage): TraceContext | undefined {
  const { traceparent } = request.headers;
  if (typeof traceparent !== "string") return undefined;
  let context = contexts.get(request);
  if (context === undefined) {
    const { tracestate } = request.headers;
    context = parseTraceparent(traceparent, typeof tracestate === "string" ? tracestate : undefined) ?? null;
    contexts.set(request, context);
  }
  return context ?? undefined;
}

/**
 * Headers that carry the trace of `context` on to an outgoing call: `traceparent` names this request's
 * span as the parent. Empty when the request came without a trace.
 */
export function outgoingTraceHeaders(context: TraceContext | undefined): Record<string, string> {
  if (context === undefined) return {};
  const headers: Record<string, string> = {
    traceparent: `00-${context.traceId}-${context.spanId}-${context.traceFlags}`,
  };
  if (context.tracestate !== undefined) headers.tracestate = context.tracestate;
  return headers;
}
