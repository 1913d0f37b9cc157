/**
 * A parser for the Server-Sent Events wire format (the WHATWG HTML "event stream" grammar): feed it text
 * as it arrives, get back the complete events. Pure — no I/O — so it is tested on exact byte sequences.
 * An event (or a line) longer than `maxEventChars` is an error: the stream is then not one we trust.
 */

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  type: string;
  data: string;
  /** The last `id:` seen on the stream so far (it carries over to later events). */
  lastEventId: string;
}

/** Largest event accepted, in characters, counting its buffered lines. Default of `SseParser`. */
export const defaultMaxEventChars = 64 * 1024;

export class SseEventTooLargeError extends Error {
  readonly code = "SSE_EVENT_TOO_LARGE";

  constructor(maxEventChars: number) {
    super(`An event on the revocation stream is longer than ${maxEventChars} characters.`);
    this.name = "SseEventTooLargeError";
  }
}

export class SseParser {
  readonly #maxEventChars: number;
  #buffer = "";
  #type = "";
  #data: string[] = [];
  #dataChars = 0;
  #lastEventId = "";
  #retryMs: number | undefined;
  /** A chunk ended in `\r`: a `\n` opening the next chunk belongs to the same line break. */
  #pendingCarriageReturn = false;

  constructor(maxEventChars = defaultMaxEventChars) {
    this.#maxEventChars = maxEventChars;
  }

  /** The last `retry:` value the server sent, in milliseconds. */
  get retryMs(): number | undefined {
    return this.#retryMs;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  push(text: string): SseEvent[] {
    let chunk = text;
    if (this.#pendingCarriageReturn && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.#pendingCarriageReturn = chunk.endsWith("\r");
    this.#buffer += chunk;
    const events: SseEvent[] = [];
    const lineBreak = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = lineBreak.exec(this.#buffer); match !== null; match = lineBreak.exec(this.#buffer)) {
      // A lone `\r` at the very end may be the first half of `\r\n`: it still ends the line.
      const event = this.#line(this.#buffer.slice(start, match.index));
      if (event !== undefined) events.push(event);
      start = match.index + match[0].length;
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length + this.#dataChars > this.#maxEventChars) {
      throw new SseEventTooLargeError(this.#maxEventChars);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.#type = value;
        break;
      case "data":
        this.#data.push(value);
        this.#dataChars += value.length + 1;
        if (this.#dataChars > this.#maxEventChars) throw new SseEventTooLargeError(this.#maxEventChars);
        break;
      case "id":
        if (!value.includes("\0")) this.#lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.#retryMs = Number(value);
        break;
    }
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const hasData = this.#data.length > 0;
    const event = {
      type: this.#type || "message",
      data: this.#data.join("\n"),
      lastEventId: this.#lastEventId,
    };
    this.#type = "";
    this.#data = [];
    this.#dataChars = 0;
    return hasData ? event : undefined;
  }
}
