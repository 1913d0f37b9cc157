/**
 * A raw HTTP/1.1 client for tests of the server's wire level: sends exact bytes (split as the test
 * wants) on one socket and parses the responses that come back, in order, so pipelining, framing errors
 * and closes can be seen as they are.
 */
import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  /** Header values by lower-case name. */
  headers: Record<string, string>;
  body: string;
}

/** How long a test waits for a response or a close before failing. Milliseconds. */
const waitLimitMs = 10_000;

export class RawConnection {
  readonly #socket: Socket;
  #received = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk]);
      this.#wake();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.write(bytes, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Stops reading from the socket, so the server's writes back up. */
  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** Half-closes: the server sees the end of what this client sends. */
  endWriting(): void {
    this.#socket.end();
  }

  /** Writes `bytes` one byte per write, each after the previous one has been flushed. */
  async writeByteByByte(bytes: string | Buffer): Promise<void> {
    const buffer = Buffer.from(bytes);
    for (let index = 0; index < buffer.length; index++) await this.write(buffer.subarray(index, index + 1));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #waitFor<T>(take: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + waitLimitMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.#closed) throw new Error(`connection closed before ${what}`);
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`no ${what} within ${waitLimitMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next whole response (a HEAD answer's body is not read: pass `bodyless`). */
  readResponse(bodyless = false): Promise<RawResponse> {
    return this.#waitFor(() => this.#takeResponse(bodyless), "response");
  }

  #takeResponse(bodyless: boolean): RawResponse | undefined {
    const end = this.#received.indexOf("\r\n\r\n");
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.#received.toString("latin1", 0, end).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = bodyless ? 0 : Number(headers["content-length"] ?? 0);
    if (this.#received.length < end + 4 + length) return undefined;
    const body = this.#received.toString("utf8", end + 4, end + 4 + length);
    this.#received = this.#received.subarray(end + 4 + length);
    return { status: Number(statusLine!.split(" ")[1]), headers, body };
  }

  /** Resolves once the server has closed the connection; fails when it stays open. */
  waitForClose(): Promise<true> {
    return this.#waitFor(() => (this.#closed ? true : undefined), "close");
  }

  /** Bytes received and not yet read as a response. */
  get unread(): string {
    return this.#received.toString("latin1");
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** A request's bytes, with a Content-Length body unless `headers` frame it otherwise, and a host unless given. */
export function rawRequest(
  method: string,
  path: string,
  body = "",
  headers: Record<string, string> = { "content-length": String(Buffer.byteLength(body)) },
): string {
  const lines = [`${method} ${path} HTTP/1.1`];
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "host")) lines.push("host: 127.0.0.1");
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}
