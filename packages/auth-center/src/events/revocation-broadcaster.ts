/**
 * Publishes revocations (a token revoked, a grant revoked, every session of a person ended, a password
 * changed) to subscribers in this process, so that resource servers can drop cached verifications at
 * once. Keeps the last `maxReplayEvents` events so that a subscriber reconnecting with `Last-Event-ID`
 * misses nothing that happened in between.
 *
 * Limitation: events come from the revocations this instance performs. With several instances behind
 * one issuer, a subscriber sees only its instance's events; deriving them from storage writes (a change
 * stream) is the way to lift this.
 */
import { TooManySubscribersError } from "../errors.js";

export type RevocationKind = "token" | "grant" | "subject";

export interface RevocationEvent {
  /** Monotonic within this instance; the SSE `id`. */
  id: number;
  kind: RevocationKind;
  /** Epoch seconds: tokens matching this event and issued at or before it must be rejected. */
  revokedAt: number;
  /** The revoked access token's `jti` (kind "token"). */
  jti?: string;
  /** The revoked grant (kind "grant"), or the grant the revoked token was issued under. */
  grantId?: string;
  /** The person (or, for client_credentials tokens, the client) the tokens were issued to. */
  sub?: string;
  clientId?: string;
  /** Why a subject's tokens were revoked: "logout-everywhere" or "password-changed". */
  reason?: string;
}

export type RevocationEventInput = Omit<RevocationEvent, "id" | "revokedAt">;

export interface RevocationBroadcasterOptions {
  /** Most concurrent subscribers. Default: 100. */
  maxSubscribers?: number;
  /** Events kept for replay to reconnecting subscribers. Default: 1000. */
  maxReplayEvents?: number;
  /** Called for every published event (metrics). Default: nothing. */
  onPublish?: (event: RevocationEvent) => void;
}

type Listener = (event: RevocationEvent) => void;

export class RevocationBroadcaster {
  readonly #listeners = new Set<Listener>();
  readonly #recent: RevocationEvent[] = [];
  readonly #maxSubscribers: number;
  readonly #maxReplayEvents: number;
  readonly #onPublish: (event: RevocationEvent) => void;
  #nextId = 1;

  constructor(options: RevocationBroadcasterOptions = {}) {
    this.#maxSubscribers = options.maxSubscribers ?? 100;
    this.#maxReplayEvents = options.maxReplayEvents ?? 1000;
    this.#onPublish = options.onPublish ?? (() => {});
  }

  get subscriberCount(): number {
    return this.#listeners.size;
  }

  publish(input: RevocationEventInput): RevocationEvent {
    const event: RevocationEvent = { id: this.#nextId++, revokedAt: Math.floor(Date.now() / 1000), ...input };
    this.#recent.push(event);
    if (this.#recent.length > this.#maxReplayEvents) this.#recent.shift();
    this.#onPublish(event);
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  /**
   * Registers a listener; returns the events after `lastEventId` still held for replay, and an
   * unsubscribe function. Throws TooManySubscribersError when full.
   */
  subscribe(
    listener: Listener,
    lastEventId?: number,
  ): { missed: RevocationEvent[]; unsubscribe: () => void } {
    if (this.#listeners.size >= this.#maxSubscribers) throw new TooManySubscribersError(this.#maxSubscribers);
    this.#listeners.add(listener);
    const missed = lastEventId === undefined ? [] : this.#recent.filter((event) => event.id > lastEventId);
    return { missed, unsubscribe: () => this.#listeners.delete(listener) };
  }
}
