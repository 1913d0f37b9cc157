import { describe, expect, it } from "vitest";
import { parseRevocationEvent, SseEventTooLargeError, SseParser } from "../src/index.js";

describe("SseParser", () => {
  it("dispatches an event at the blank line, with its type, data and id", () => {
    const parser = new SseParser();
    expect(parser.push('id: 7\nevent: revocation\ndata: {"a":1}\n')).toEqual([]);
    expect(parser.push("\n")).toEqual([{ type: "revocation", data: '{"a":1}', lastEventId: "7" }]);
  });

  it("joins data lines, ignores comments and unknown fields, and defaults the type to message", () => {
    const parser = new SseParser();
    expect(parser.push(": heartbeat\nfoo: bar\ndata: one\ndata:two\n\n")).toEqual([
      { type: "message", data: "one\ntwo", lastEventId: "" },
    ]);
  });

  it("accepts CRLF and CR line breaks, also split across chunks", () => {
    const parser = new SseParser();
    const events = [...parser.push("data: a\r"), ...parser.push("\n\r"), ...parser.push("\ndata: b\r\r")];
    expect(events.map((event) => event.data)).toEqual(["a", "b"]);
  });

  it("reassembles events split at any byte", () => {
    const text = "id: 1\ndata: first\n\nid: 2\ndata: second\n\n";
    for (let split = 0; split <= text.length; split++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, split)), ...parser.push(text.slice(split))];
      expect(events.map((event) => [event.lastEventId, event.data])).toEqual([
        ["1", "first"],
        ["2", "second"],
      ]);
    }
  });

  it("does not dispatch an event without data, but keeps its id", () => {
    const parser = new SseParser();
    expect(parser.push("id: 3\n\n")).toEqual([]);
    expect(parser.lastEventId).toBe("3");
  });

  it("records the retry the server asks for", () => {
    const parser = new SseParser();
    parser.push("retry: 1500\n\n");
    expect(parser.retryMs).toBe(1500);
  });

  it("refuses an event longer than its bound, in one line or many", () => {
    expect(() => new SseParser(100).push(`data: ${"x".repeat(200)}`)).toThrow(SseEventTooLargeError);
    const parser = new SseParser(100);
    expect(() => {
      for (let line = 0; line < 20; line++) parser.push("data: 0123456789\n");
    }).toThrow(SseEventTooLargeError);
  });
});

describe("parseRevocationEvent", () => {
  it("reads the three kinds", () => {
    expect(parseRevocationEvent('{"kind":"token","jti":"j","revokedAt":5}')).toMatchObject({
      kind: "token",
      jti: "j",
      revokedAt: 5,
    });
    expect(parseRevocationEvent('{"kind":"grant","grantId":"g","sub":"s","revokedAt":5}')).toMatchObject({
      kind: "grant",
      grantId: "g",
      sub: "s",
    });
    expect(parseRevocationEvent('{"kind":"subject","sub":"s","revokedAt":5}')).toMatchObject({
      kind: "subject",
    });
  });

  it.each([
    ["not json"],
    ["null"],
    ['"token"'],
    ['{"kind":"everything"}'],
    ['{"kind":"token"}'],
    ['{"kind":"grant","sub":"s"}'],
    ['{"kind":"subject","sub":""}'],
  ])("ignores %s", (data) => {
    expect(parseRevocationEvent(data)).toBeUndefined();
  });
});
