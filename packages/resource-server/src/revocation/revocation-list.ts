/**
 * The revocations heard of recently, so that a token verified after its revocation event — a JWT checked
 * locally, which cannot know, or an introspection that was already in flight — is still refused. Bounded
 * by count (the oldest revocation goes first) and by age: a revocation is kept for `retentionMs`, which
 * should be at least the longest access token lifetime.
 */
import type { VerifiedToken } from "../tokens/verified-token.js";
import type { RevocationEvent } from "./revocation-event.js";

export interface RevocationListOptions {
  /** Most revocations remembered. Default: 10000. */
  maxRevocations?: number;
  /** How long a revocation is remembered, in milliseconds. Default: 86400000 (one day). */
  retentionMs?: number;
}

export const defaultMaxRevocations = 10_000;
export const defaultRevocationRetentionMs = 86_400_000;

interface Revocation {
  /** Tokens issued at or before this epoch second are revoked (for a `jti`: whenever issued). */
  revokedAtSeconds: number;
  forgetAtMs: number;
}

export class RevocationList {
  readonly maxRevocations: number;
  readonly retentionMs: number;
  /** Keys are `jti:<id>`, `grant:<id>` and `sub:<subject>`; insertion order is age order. */
  readonly #revocations = new Map<string, Revocation>();

  constructor(options: RevocationListOptions = {}) {
    this.maxRevocations = options.maxRevocations ?? defaultMaxRevocations;
    this.retentionMs = options.retentionMs ?? defaultRevocationRetentionMs;
  }

  get size(): number {
    return this.#revocations.size;
  }

  /**
   * Remembers the event. With `grantCoversSubject`, a grant's revocation also counts against its
   * subject's tokens issued until then: a JWT need not name its grant, and refusing a few tokens of the
   * person's other sessions (their apps refresh and carry on) beats accepting a revoked one.
   */
  add(event: RevocationEvent, { grantCoversSubject = false } = {}, nowMs = Date.now()): void {
    const keys =
      event.kind === "token"
        ? [`jti:${event.jti}`]
        : event.kind === "subject"
          ? [`sub:${event.sub}`]
          : [
              `grant:${event.grantId}`,
              ...(grantCoversSubject && event.sub !== undefined ? [`sub:${event.sub}`] : []),
            ];
    for (const key of keys) {
      const earlier = this.#revocations.get(key);
      const revokedAtSeconds = Math.max(
        event.revokedAt,
        earlier?.revokedAtSeconds ?? Number.NEGATIVE_INFINITY,
      );
      this.#revocations.delete(key);
      this.#revocations.set(key, { revokedAtSeconds, forgetAtMs: nowMs + this.retentionMs });
    }
    this.#forgetExpired(nowMs);
    while (this.#revocations.size > this.maxRevocations) {
      this.#revocations.delete(this.#revocations.keys().next().value as string);
    }
  }

  isRevoked(token: VerifiedToken, nowMs = Date.now()): boolean {
    if (this.#revocations.size === 0) return false;
    if (token.tokenId !== undefined && this.#live(`jti:${token.tokenId}`, nowMs) !== undefined) return true;
    if (token.grantId !== undefined && this.#revokedBefore(`grant:${token.grantId}`, token, nowMs))
      return true;
    return this.#revokedBefore(`sub:${token.subject}`, token, nowMs);
  }

  #revokedBefore(key: string, token: VerifiedToken, nowMs: number): boolean {
    const revocation = this.#live(key, nowMs);
    if (revocation === undefined) return false;
    // A token that does not say when it was issued cannot prove it came after the revocation.
    return token.issuedAtSeconds === undefined || token.issuedAtSeconds <= revocation.revokedAtSeconds;
  }

  #live(key: string, nowMs: number): Revocation | undefined {
    const revocation = this.#revocations.get(key);
    if (revocation === undefined || revocation.forgetAtMs > nowMs) return revocation;
    this.#revocations.delete(key);
    return undefined;
  }

  #forgetExpired(nowMs: number): void {
    for (const [key, revocation] of this.#revocations) {
      if (revocation.forgetAtMs > nowMs) return;
      this.#revocations.delete(key);
    }
  }
}
