/**
 * Keeps a subscription to the authorization server's revocation events (Server-Sent Events) open and
 * hands each event to `onRevocation`. When the stream breaks — the server is down, answers an error, or
 * goes silent for longer than `idleTimeoutMs` (it sends heartbeats) — it reconnects after a backoff that
 * doubles from `initialBackoffMs` (or the server's SSE `retry`, if longer) up to `maxBackoffMs`, with
 * jitter, and resumes with `Last-Event-ID` so that events published in between are replayed.
 * `onConnectionChange` reports when the stream goes up or down: a cache must not trust old verifications
 * while it is down.
 */
import { parseRevocationEvent, type RevocationEvent } from "./revocation-event.js";
import { defaultMaxEventChars, SseParser } from "./sse-parser.js";

export interface RevocationStreamOptions {
  /** The event stream's URL, e.g. `http://localhost:8081/events/revocations`. */
  url: string;
  /** Sent as `Authorization` when given (the resource server's client credentials). */
  authorization?: string;
  onRevocation(event: RevocationEvent): void;
  onConnectionChange?(connected: boolean): void;
  /** Called with a one-line reason whenever the stream breaks; for logging. */
  onError?(reason: string): void;
  /** First wait before reconnecting, in milliseconds. Default: 250. */
  initialBackoffMs?: number;
  /** Longest wait between reconnection attempts, in milliseconds. Default: 30000. */
  maxBackoffMs?: number;
  /** Longest silence (not even a heartbeat) before the stream counts as broken, in milliseconds. Default: 45000. */
  idleTimeoutMs?: number;
  /** Time to wait for the server to answer the subscription, in milliseconds. Default: 5000. */
  connectTimeoutMs?: number;
  /** Largest event accepted, in characters. Default: 65536. */
  maxEventChars?: number;
}

export const defaultInitialBackoffMs = 250;
export const defaultMaxBackoffMs = 30_000;
export const defaultIdleTimeoutMs = 45_000;

export class RevocationStream {
  readonly #options: RevocationStreamOptions;
  #connected = false;
  #stopped = false;
  #lastEventId = "";
  #failures = 0;
  /** The wait the server asked for with the SSE `retry` field, in milliseconds. */
  #serverRetryMs: number | undefined;
  #abort: AbortController | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: RevocationStreamOptions) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    if (this.#running !== undefined || this.#stopped) return;
    this.#running = this.#connectLoop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#abort?.abort();
    await this.#running;
  }

  async #connectLoop(): Promise<void> {
    while (!this.#stopped) {
      const reason = await this.#readOnce();
      this.#setConnected(false);
      if (this.#stopped) return;
      this.#options.onError?.(reason);
      this.#failures++;
      await this.#wait(this.#backoffMs());
    }
  }

  /** Reads the stream until it breaks; returns why it broke. */
  async #readOnce(): Promise<string> {
    const abort = new AbortController();
    this.#abort = abort;
    const { idleTimeoutMs = defaultIdleTimeoutMs, connectTimeoutMs = 5000 } = this.#options;
    let idleTimer = setTimeout(() => abort.abort(new Error("no answer")), connectTimeoutMs);
    const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-cache" };
    if (this.#options.authorization !== undefined) headers.authorization = this.#options.authorization;
    if (this.#lastEventId !== "") headers["last-event-id"] = this.#lastEventId;
    try {
      const response = await fetch(this.#options.url, { headers, signal: abort.signal });
      const contentType = response.headers.get("content-type") ?? "";
      if (!response.ok || !contentType.startsWith("text/event-stream") || response.body === null) {
        await response.body?.cancel();
        return `the revocation stream answered ${response.status} ${contentType}`;
      }
      const rearmIdleTimer = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => abort.abort(new Error("silent")), idleTimeoutMs);
      };
      rearmIdleTimer();
      this.#failures = 0;
      this.#setConnected(true);
      const parser = new SseParser(this.#options.maxEventChars ?? defaultMaxEventChars);
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        rearmIdleTimer();
        const events = parser.push(decoder.decode(chunk, { stream: true }));
        this.#serverRetryMs = parser.retryMs ?? this.#serverRetryMs;
        for (const event of events) {
          this.#lastEventId = event.lastEventId;
          const revocation = parseRevocationEvent(event.data);
          if (revocation !== undefined) this.#options.onRevocation(revocation);
        }
      }
      return "the revocation stream ended";
    } catch (error) {
      const cause = abort.signal.reason instanceof Error ? abort.signal.reason : error;
      return `the revocation stream broke: ${(cause as Error).message}`;
    } finally {
      clearTimeout(idleTimer);
    }
  }

  #backoffMs(): number {
    const { initialBackoffMs = defaultInitialBackoffMs, maxBackoffMs = defaultMaxBackoffMs } = this.#options;
    // The server's `retry` raises the first wait, never beyond our own bound.
    const firstMs = Math.max(initialBackoffMs, this.#serverRetryMs ?? 0);
    const ceilingMs = Math.min(maxBackoffMs, firstMs * 2 ** Math.min(this.#failures - 1, 30));
    // Half fixed, half random: spreads reconnecting resource servers without ever retrying at once.
    return ceilingMs / 2 + Math.random() * (ceilingMs / 2);
  }

  #wait(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.#retryTimer = setTimeout(resolve, delayMs);
      this.#abort = new AbortController();
      this.#abort.signal.addEventListener("abort", () => {
        clearTimeout(this.#retryTimer);
        resolve();
      });
    });
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.#options.onConnectionChange?.(connected);
  }
}
