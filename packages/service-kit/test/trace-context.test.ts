import { describe, expect, it } from "vitest";
import { maxTracestateChars } from "../src/http/trace-context.js";
import { outgoingTraceHeaders, parseTraceparent } from "../src/index.js";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const parentId = "00f067aa0ba902b7";

describe("parseTraceparent", () => {
  it("reads a valid version 00 header and gives the request a span of its own", () => {
    const context = parseTraceparent(`00-${traceId}-${parentId}-01`, "vendor=value");
    expect(context).toMatchObject({
      traceId,
      parentSpanId: parentId,
      traceFlags: "01",
      tracestate: "vendor=value",
    });
    expect(context?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context?.spanId).not.toBe(parentId);
  });

  it("accepts a later version with extra fields", () => {
    expect(parseTraceparent(`01-${traceId}-${parentId}-01-extra`)?.traceId).toBe(traceId);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["version ff", `ff-${traceId}-${parentId}-01`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${parentId}-01`],
    ["all-zero parent id", `00-${traceId}-${"0".repeat(16)}-01`],
    ["uppercase hex", `00-${traceId.toUpperCase()}-${parentId}-01`],
    ["short trace id", `00-${traceId.slice(1)}-${parentId}-01`],
    ["extra field on version 00", `00-${traceId}-${parentId}-01-extra`],
    ["two headers joined", `00-${traceId}-${parentId}-01, 00-${traceId}-${parentId}-01`],
  ])("rejects a traceparent that is %s", (_case, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it("drops a tracestate longer than the specification's limit", () => {
    expect(
      parseTraceparent(`00-${traceId}-${parentId}-01`, "a".repeat(maxTracestateChars + 1))?.tracestate,
    ).toBe(undefined);
  });
});

describe("outgoingTraceHeaders", () => {
  it("names this request's span as the parent of the outgoing call", () => {
    const context = parseTraceparent(`00-${traceId}-${parentId}-01`, "vendor=value");
    expect(outgoingTraceHeaders(context)).toEqual({
      traceparent: `00-${traceId}-${context?.spanId}-01`,
      tracestate: "vendor=value",
    });
  });

  it("adds nothing for a request without a trace", () => {
    expect(outgoingTraceHeaders(undefined)).toEqual({});
  });
});
