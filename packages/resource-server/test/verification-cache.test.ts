import { describe, expect, it } from "vitest";
import { cacheKeyOf, VerificationCache, type VerifiedToken } from "../src/index.js";
import { RevocationList } from "../src/revocation/revocation-list.js";

const nowMs = 1_700_000_000_000;

function token(overrides: Partial<VerifiedToken> = {}): VerifiedToken {
  return {
    subject: "user-1",
    clientId: "app",
    scopes: new Set(["recipes:read"]),
    tokenId: "jti-1",
    grantId: undefined,
    issuedAtSeconds: nowMs / 1000 - 10,
    expiresAtSeconds: nowMs / 1000 + 600,
    ...overrides,
  };
}

describe("cacheKeyOf", () => {
  it("is the SHA-256 of the token, never the token", () => {
    const key = cacheKeyOf("secret.token.value");
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain("secret");
    expect(cacheKeyOf("secret.token.value")).toBe(key);
    expect(cacheKeyOf("secret.token.valuf")).not.toBe(key);
  });
});

describe("VerificationCache", () => {
  it("holds at most maxEntries, evicting the least recently used", () => {
    const cache = new VerificationCache({ maxEntries: 2 });
    cache.set("a", token(), nowMs);
    cache.set("b", token(), nowMs);
    expect(cache.get("a", false, nowMs)).toBeDefined();
    cache.set("c", token(), nowMs);
    expect(cache.size).toBe(2);
    expect(cache.get("b", false, nowMs)).toBeUndefined();
    expect(cache.get("a", false, nowMs)).toBeDefined();
    expect(cache.get("c", false, nowMs)).toBeDefined();
  });

  it("keeps an entry no longer than the token's exp", () => {
    const cache = new VerificationCache({ maxAgeMs: 3_600_000 });
    cache.set("a", token({ expiresAtSeconds: nowMs / 1000 + 5 }), nowMs);
    expect(cache.get("a", false, nowMs + 4_999)).toBeDefined();
    expect(cache.get("a", false, nowMs + 5_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("keeps an entry no longer than maxAgeMs", () => {
    const cache = new VerificationCache({ maxAgeMs: 1000 });
    cache.set("a", token(), nowMs);
    expect(cache.get("a", false, nowMs + 999)).toBeDefined();
    expect(cache.get("a", false, nowMs + 1000)).toBeUndefined();
  });

  it("does not store a token that has already expired", () => {
    const cache = new VerificationCache();
    cache.set("a", token({ expiresAtSeconds: nowMs / 1000 - 1 }), nowMs);
    expect(cache.size).toBe(0);
  });

  it("uses only young entries while degraded", () => {
    const cache = new VerificationCache({ maxAgeMs: 60_000, degradedMaxAgeMs: 2000 });
    cache.set("a", token(), nowMs);
    expect(cache.get("a", true, nowMs + 2000)).toBeDefined();
    expect(cache.get("a", true, nowMs + 2001)).toBeUndefined();
    expect(cache.get("a", false, nowMs + 2001)).toBeDefined();
  });

  it("stores nothing when maxEntries is 0", () => {
    const cache = new VerificationCache({ maxEntries: 0 });
    cache.set("a", token(), nowMs);
    expect(cache.enabled).toBe(false);
    expect(cache.get("a", false, nowMs)).toBeUndefined();
  });

  it("drops entries by token id, grant or subject", () => {
    const cache = new VerificationCache();
    cache.set("a", token({ tokenId: "j1", subject: "s1", grantId: "g1" }), nowMs);
    cache.set("b", token({ tokenId: "j2", subject: "s1", grantId: "g2" }), nowMs);
    cache.set("c", token({ tokenId: "j3", subject: "s2", grantId: "g3" }), nowMs);
    expect(cache.drop({ tokenId: "j1" })).toBe(1);
    expect(cache.drop({ grantId: "g3" })).toBe(1);
    expect(cache.drop({ subject: "nobody" })).toBe(0);
    expect(cache.get("b", false, nowMs)).toBeDefined();
    expect(cache.drop({ subject: "s1" })).toBe(1);
    expect(cache.size).toBe(0);
  });

  it("rejects negative bounds", () => {
    expect(() => new VerificationCache({ maxEntries: -1 })).toThrow(RangeError);
    expect(() => new VerificationCache({ maxAgeMs: 1.5 })).toThrow(RangeError);
  });
});

describe("RevocationList", () => {
  const revokedAt = nowMs / 1000;

  it("refuses a revoked jti whenever it was issued", () => {
    const list = new RevocationList();
    list.add({ kind: "token", jti: "j1", revokedAt }, {}, nowMs);
    expect(list.isRevoked(token({ tokenId: "j1", issuedAtSeconds: revokedAt + 100 }), nowMs)).toBe(true);
    expect(list.isRevoked(token({ tokenId: "j2" }), nowMs)).toBe(false);
  });

  it("refuses a subject's and a grant's tokens issued at or before the revocation, not after", () => {
    const list = new RevocationList();
    list.add({ kind: "subject", sub: "s1", revokedAt }, {}, nowMs);
    list.add({ kind: "grant", grantId: "g1", revokedAt }, {}, nowMs);
    expect(list.isRevoked(token({ subject: "s1", issuedAtSeconds: revokedAt }), nowMs)).toBe(true);
    expect(list.isRevoked(token({ subject: "s1", issuedAtSeconds: revokedAt + 1 }), nowMs)).toBe(false);
    expect(list.isRevoked(token({ subject: "s1", issuedAtSeconds: undefined }), nowMs)).toBe(true);
    expect(
      list.isRevoked(token({ subject: "s2", grantId: "g1", issuedAtSeconds: revokedAt - 1 }), nowMs),
    ).toBe(true);
    expect(
      list.isRevoked(token({ subject: "s2", grantId: "g1", issuedAtSeconds: revokedAt + 1 }), nowMs),
    ).toBe(false);
  });

  it("counts a grant's revocation against its subject only when asked to", () => {
    const tokenOfOtherGrant = token({ subject: "s1", grantId: undefined, issuedAtSeconds: revokedAt - 1 });
    const plain = new RevocationList();
    plain.add({ kind: "grant", grantId: "g1", sub: "s1", revokedAt }, {}, nowMs);
    expect(plain.isRevoked(tokenOfOtherGrant, nowMs)).toBe(false);
    const covering = new RevocationList();
    covering.add({ kind: "grant", grantId: "g1", sub: "s1", revokedAt }, { grantCoversSubject: true }, nowMs);
    expect(covering.isRevoked(tokenOfOtherGrant, nowMs)).toBe(true);
    expect(covering.isRevoked(token({ subject: "s1", issuedAtSeconds: revokedAt + 1 }), nowMs)).toBe(false);
  });

  it("forgets revocations after the retention time and beyond its bound", () => {
    const list = new RevocationList({ maxRevocations: 2, retentionMs: 1000 });
    list.add({ kind: "token", jti: "j1", revokedAt }, {}, nowMs);
    list.add({ kind: "token", jti: "j2", revokedAt }, {}, nowMs);
    list.add({ kind: "token", jti: "j3", revokedAt }, {}, nowMs);
    expect(list.size).toBe(2);
    expect(list.isRevoked(token({ tokenId: "j1" }), nowMs)).toBe(false);
    expect(list.isRevoked(token({ tokenId: "j3" }), nowMs + 999)).toBe(true);
    expect(list.isRevoked(token({ tokenId: "j3" }), nowMs + 1000)).toBe(false);
  });
});
