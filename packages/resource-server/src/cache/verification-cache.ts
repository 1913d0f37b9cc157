/**
 * Remembers verified tokens so that a resource server verifies each token once, not on every request.
 * Bounded by count (least recently used entries go first); keyed by the SHA-256 of the token, so a heap
 * dump holds no usable token. An entry lives no longer than its token's `exp` nor `maxAgeMs` — and, while
 * the revocation event stream is down, no longer than `degradedMaxAgeMs`, because revocations may then go
 * unnoticed.
 */
import { createHash } from "node:crypto";
import type { VerifiedToken } from "../tokens/verified-token.js";

export interface VerificationCacheOptions {
  /** Most entries held; the least recently used one is evicted beyond it. 0 disables caching. Default: 10000. */
  maxEntries?: number;
  /** Longest an entry is used, in milliseconds (also bounded by the token's `exp`). Default: 300000. */
  maxAgeMs?: number;
  /** Longest an entry is used while revocation events are not being received, in milliseconds. Default: 10000. */
  degradedMaxAgeMs?: number;
}

export const defaultCacheMaxEntries = 10_000;
export const defaultCacheMaxAgeMs = 300_000;
export const defaultCacheDegradedMaxAgeMs = 10_000;

interface Entry {
  token: VerifiedToken;
  verifiedAtMs: number;
  /** When the entry stops being usable at all: the earlier of the token's `exp` and the maximum age. */
  expiresAtMs: number;
}

/** What a revocation event names; an entry matching any given field is dropped. */
export interface RevocationMatch {
  tokenId?: string | undefined;
  grantId?: string | undefined;
  subject?: string | undefined;
}

/** The cache key of a token: its SHA-256, base64url-encoded. */
export function cacheKeyOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export class VerificationCache {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly degradedMaxAgeMs: number;
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: VerificationCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? defaultCacheMaxEntries;
    this.maxAgeMs = options.maxAgeMs ?? defaultCacheMaxAgeMs;
    this.degradedMaxAgeMs = options.degradedMaxAgeMs ?? defaultCacheDegradedMaxAgeMs;
    for (const [name, value] of Object.entries({
      maxEntries: this.maxEntries,
      maxAgeMs: this.maxAgeMs,
      degradedMaxAgeMs: this.degradedMaxAgeMs,
    })) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
      }
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  /**
   * The cached verification under `key`, if still usable; `degraded` says revocation events are not
   * being received, which shortens the age an entry may have.
   */
  get(key: string, degraded: boolean, nowMs = Date.now()): VerifiedToken | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.#entries.delete(key);
      return undefined;
    }
    if (degraded && nowMs - entry.verifiedAtMs > this.degradedMaxAgeMs) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.token;
  }

  set(key: string, token: VerifiedToken, nowMs = Date.now()): void {
    if (!this.enabled) return;
    const expiresAtMs = Math.min(
      nowMs + this.maxAgeMs,
      token.expiresAtSeconds === undefined ? Number.POSITIVE_INFINITY : token.expiresAtSeconds * 1000,
    );
    if (expiresAtMs <= nowMs) return;
    this.#entries.delete(key);
    this.#entries.set(key, { token, verifiedAtMs: nowMs, expiresAtMs });
    while (this.#entries.size > this.maxEntries) {
      const leastRecentlyUsed = this.#entries.keys().next().value as string;
      this.#entries.delete(leastRecentlyUsed);
    }
  }

  /** Drops every entry the revocation names; returns how many. */
  drop(match: RevocationMatch): number {
    let dropped = 0;
    for (const [key, { token }] of this.#entries) {
      const matches =
        (match.tokenId !== undefined && token.tokenId === match.tokenId) ||
        (match.grantId !== undefined && token.grantId === match.grantId) ||
        (match.subject !== undefined && token.subject === match.subject);
      if (matches) {
        this.#entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  clear(): void {
    this.#entries.clear();
  }
}
