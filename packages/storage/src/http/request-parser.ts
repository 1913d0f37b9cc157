/**
 * An incremental HTTP/1.1 request parser with no I/O: bytes go in with `append`, whole requests come
 * out of `next`, in order. Bodies are framed by `Content-Length` or `Transfer-Encoding: chunked`. Anything
 * it cannot frame safely (bad request line or header, both framings, a duplicate Content-Length) throws an
 * `HttpProtocolError`, after which the parser must not be used: the bytes that follow have no framing.
 */
import { HttpProtocolError } from "./errors.js";

export interface RequestParserLimits {
  /** Bytes of a request's line and headers (and of a chunked body's trailers). */
  maxHeaderBytes: number;
  /** Header lines in one request. */
  maxHeaderCount: number;
  /** Bytes of one request body, declared or sent. */
  maxBodyBytes: number;
}

export interface ParsedRequest {
  method: string;
  /** The request target as sent, e.g. `/` or `/metrics`. */
  url: string;
  /** Header values by lower-case name; repeated headers joined with ", " as node:http does. */
  headers: Record<string, string>;
  body: Buffer;
  /** Whether the connection may carry another request after this one. */
  keepAlive: boolean;
}

const requestLinePattern = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP\/1\.([01])$/;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const forbiddenValueCharacters = /[\0\r\n]/;
const chunkSizePattern = /^([0-9A-Fa-f]{1,8})(?:;.*)?$/;
const crlf = Buffer.from("\r\n");
const headEnd = Buffer.from("\r\n\r\n");
const emptyBody = Buffer.alloc(0);

enum State {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
}

function malformed(message: string): HttpProtocolError {
  return new HttpProtocolError("MALFORMED_REQUEST", message);
}

export class RequestParser {
  readonly #limits: RequestParserLimits;
  #pending: Buffer = emptyBody;
  #state = State.Head;
  /** Where the search for the end of the head resumes, so a head fed byte by byte is scanned once. */
  #headScannedBytes = 0;
  #current: ParsedRequest | undefined;
  /** Content-Length framing: the body being filled and how much of it has arrived. */
  #fixedBody: Buffer = emptyBody;
  #fixedBodyFilled = 0;
  /** Chunked framing: the chunks received and what is left of the current one. */
  #chunks: Buffer[] = [];
  #chunkedBytes = 0;
  #chunkRemaining = 0;
  #trailerBytes = 0;
  #expectsContinue = false;

  constructor(limits: RequestParserLimits) {
    this.#limits = limits;
  }

  /** Adds bytes received from the connection. */
  append(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
  }

  /** Whether bytes of a request not yet complete have been received. */
  get hasPartialRequest(): boolean {
    return this.#state !== State.Head || this.#pending.length > 0;
  }

  /** Whether the partial request's head has been read (so only its body is awaited). */
  get headComplete(): boolean {
    return this.#state !== State.Head;
  }

  /**
   * True once for a request whose head asked `Expect: 100-continue` and whose body is still awaited:
   * the caller then tells the client to send it.
   */
  takeContinueExpectation(): boolean {
    const expects = this.#expectsContinue;
    this.#expectsContinue = false;
    return expects;
  }

  /** The next whole request, or undefined until more bytes arrive. Throws `HttpProtocolError`. */
  next(): ParsedRequest | undefined {
    for (;;) {
      switch (this.#state) {
        case State.Head:
          if (!this.#readHead()) return undefined;
          break;
        case State.FixedBody:
          if (!this.#readFixedBody()) return undefined;
          return this.#finish(this.#fixedBody);
        case State.ChunkSize:
          if (!this.#readChunkSize()) return undefined;
          break;
        case State.ChunkData:
          if (!this.#readChunkData()) return undefined;
          break;
        case State.ChunkDataEnd:
          if (!this.#readChunkDataEnd()) return undefined;
          break;
        case State.Trailers:
          if (!this.#readTrailers()) return undefined;
          return this.#finish(this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks));
      }
      if (this.#state === State.Head && this.#current !== undefined) return this.#finish(emptyBody);
    }
  }

  #finish(body: Buffer): ParsedRequest {
    const request = this.#current!;
    request.body = body;
    this.#current = undefined;
    this.#state = State.Head;
    this.#fixedBody = emptyBody;
    this.#chunks = [];
    this.#expectsContinue = false;
    return request;
  }

  #consume(bytes: number): void {
    this.#pending = bytes >= this.#pending.length ? emptyBody : this.#pending.subarray(bytes);
  }

  /** Reads a head when it is all there; leaves `#current` set, with the state its body needs. */
  #readHead(): boolean {
    // Empty lines before a request line are ignored (RFC 9112 §2.2).
    let skipped = 0;
    while (this.#pending[skipped] === 0x0d && this.#pending[skipped + 1] === 0x0a) skipped += 2;
    if (skipped > 0) this.#consume(skipped);
    const end = this.#pending.indexOf(headEnd, Math.max(0, this.#headScannedBytes - 3));
    if (end < 0) {
      this.#headScannedBytes = this.#pending.length;
      if (this.#pending.length > this.#limits.maxHeaderBytes) {
        throw new HttpProtocolError(
          "HEADERS_TOO_LARGE",
          `The request head exceeds ${this.#limits.maxHeaderBytes} bytes.`,
        );
      }
      return false;
    }
    if (end > this.#limits.maxHeaderBytes) {
      throw new HttpProtocolError(
        "HEADERS_TOO_LARGE",
        `The request head exceeds ${this.#limits.maxHeaderBytes} bytes.`,
      );
    }
    const lines = this.#pending.toString("latin1", 0, end).split("\r\n");
    this.#consume(end + headEnd.length);
    this.#headScannedBytes = 0;
    const requestLine = requestLinePattern.exec(lines[0]!);
    if (requestLine === null) throw malformed("The request line is not `METHOD target HTTP/1.x`.");
    if (lines.length - 1 > this.#limits.maxHeaderCount) {
      throw new HttpProtocolError(
        "HEADERS_TOO_LARGE",
        `The request has more than ${this.#limits.maxHeaderCount} headers.`,
      );
    }
    // No prototype: a header named `constructor` or `__proto__` is a header like any other.
    const headers: Record<string, string> = Object.create(null);
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index]!;
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon) : "";
      if (!headerNamePattern.test(name)) throw malformed(`Header line ${index} is not \`name: value\`.`);
      const value = line.slice(colon + 1).trim();
      if (forbiddenValueCharacters.test(value)) throw malformed(`Header ${name} holds a control character.`);
      const key = name.toLowerCase();
      const previous = headers[key];
      if (previous === undefined) headers[key] = value;
      else if (key === "content-length") {
        throw new HttpProtocolError(
          "DUPLICATE_CONTENT_LENGTH",
          "The request has more than one Content-Length.",
        );
      } else headers[key] = `${previous}, ${value}`;
    }
    const minorVersion = requestLine[3];
    const connection = headers.connection?.toLowerCase();
    const keepAlive =
      minorVersion === "1"
        ? connection === undefined || !connection.includes("close")
        : connection?.includes("keep-alive") === true;
    this.#current = { method: requestLine[1]!, url: requestLine[2]!, headers, body: emptyBody, keepAlive };
    this.#startBody(headers);
    return true;
  }

  #startBody(headers: Record<string, string>): void {
    const expect = headers.expect;
    if (expect !== undefined && expect.toLowerCase() !== "100-continue") {
      throw new HttpProtocolError("EXPECTATION_FAILED", `Expect: ${expect} is not supported.`);
    }
    const transferEncoding = headers["transfer-encoding"];
    const contentLength = headers["content-length"];
    if (transferEncoding !== undefined) {
      if (contentLength !== undefined)
        throw malformed("The request has both Content-Length and Transfer-Encoding.");
      if (transferEncoding.toLowerCase() !== "chunked") {
        throw new HttpProtocolError(
          "UNSUPPORTED_TRANSFER_ENCODING",
          `Transfer-Encoding ${transferEncoding} is not supported; send chunked or a Content-Length.`,
        );
      }
      this.#state = State.ChunkSize;
      this.#chunkedBytes = 0;
      this.#trailerBytes = 0;
      this.#expectsContinue = expect !== undefined;
    } else if (contentLength !== undefined) {
      if (!/^\d{1,16}$/.test(contentLength)) throw malformed("Content-Length is not a number of bytes.");
      const declaredBytes = Number(contentLength);
      if (declaredBytes > this.#limits.maxBodyBytes) throw this.#bodyTooLarge();
      if (declaredBytes === 0) return;
      this.#state = State.FixedBody;
      if (this.#pending.length >= declaredBytes) {
        // The usual case: the whole body came with the head, so it is a view, not a copy.
        this.#fixedBody = this.#pending.subarray(0, declaredBytes);
        this.#fixedBodyFilled = declaredBytes;
        this.#consume(declaredBytes);
        return;
      }
      this.#fixedBody = Buffer.allocUnsafe(declaredBytes);
      this.#fixedBodyFilled = 0;
      this.#expectsContinue = expect !== undefined;
    }
  }

  #bodyTooLarge(): HttpProtocolError {
    return new HttpProtocolError(
      "REQUEST_TOO_LARGE",
      `Request body exceeds ${this.#limits.maxBodyBytes} bytes.`,
    );
  }

  #readFixedBody(): boolean {
    const wanted = this.#fixedBody.length - this.#fixedBodyFilled;
    const taken = Math.min(wanted, this.#pending.length);
    this.#pending.copy(this.#fixedBody, this.#fixedBodyFilled, 0, taken);
    this.#fixedBodyFilled += taken;
    this.#consume(taken);
    return taken === wanted;
  }

  /** Reads one CRLF-terminated line of at most `maxHeaderBytes`, or undefined until it is all there. */
  #readLine(): string | undefined {
    const end = this.#pending.indexOf(crlf);
    if (end < 0 || end > this.#limits.maxHeaderBytes) {
      if (this.#pending.length > this.#limits.maxHeaderBytes)
        throw malformed("A chunk-size or trailer line is too long.");
      return undefined;
    }
    const line = this.#pending.toString("latin1", 0, end);
    this.#consume(end + crlf.length);
    return line;
  }

  #readChunkSize(): boolean {
    const line = this.#readLine();
    if (line === undefined) return false;
    const size = chunkSizePattern.exec(line);
    if (size === null) throw malformed("A chunk-size line is not hexadecimal.");
    this.#chunkRemaining = Number.parseInt(size[1]!, 16);
    this.#chunkedBytes += this.#chunkRemaining;
    if (this.#chunkedBytes > this.#limits.maxBodyBytes) throw this.#bodyTooLarge();
    this.#state = this.#chunkRemaining === 0 ? State.Trailers : State.ChunkData;
    return true;
  }

  #readChunkData(): boolean {
    if (this.#pending.length === 0) return false;
    const taken = Math.min(this.#chunkRemaining, this.#pending.length);
    this.#chunks.push(this.#pending.subarray(0, taken));
    this.#chunkRemaining -= taken;
    this.#consume(taken);
    if (this.#chunkRemaining > 0) return false;
    this.#state = State.ChunkDataEnd;
    return true;
  }

  #readChunkDataEnd(): boolean {
    if (this.#pending.length < crlf.length) return false;
    if (this.#pending[0] !== 0x0d || this.#pending[1] !== 0x0a)
      throw malformed("A chunk does not end with CRLF.");
    this.#consume(crlf.length);
    this.#state = State.ChunkSize;
    return true;
  }

  /** Skips trailer fields up to the empty line that ends a chunked body. */
  #readTrailers(): boolean {
    for (;;) {
      const line = this.#readLine();
      if (line === undefined) return false;
      if (line === "") return true;
      this.#trailerBytes += line.length + crlf.length;
      if (this.#trailerBytes > this.#limits.maxHeaderBytes) {
        throw new HttpProtocolError(
          "HEADERS_TOO_LARGE",
          `The trailers exceed ${this.#limits.maxHeaderBytes} bytes.`,
        );
      }
    }
  }
}
