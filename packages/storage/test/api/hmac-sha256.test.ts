import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HmacSha256Key, maxBufferedMessageChars } from "../../src/api/hmac-sha256.js";

const reference = (key: Uint8Array, message: string) => createHmac("sha256", key).update(message).digest();

describe("HmacSha256Key", () => {
  it("matches node:crypto's HMAC for RFC 4231 test case 2", () => {
    const digest = new HmacSha256Key(Buffer.from("Jefe")).sign("what do ya want for nothing?");
    expect(digest.toString("hex")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("matches node:crypto's HMAC for keys shorter than, equal to and longer than a block", () => {
    for (const keyBytes of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyBytes);
      const signer = new HmacSha256Key(key);
      for (const message of ["", "a", "AWS4-HMAC-SHA256\n20250101T000000Z\nscope\nhash"]) {
        expect(signer.sign(message).equals(reference(key, message))).toBe(true);
      }
    }
  });

  it("encodes messages as UTF-8, whatever their characters", () => {
    const key = randomBytes(32);
    const signer = new HmacSha256Key(key);
    for (const message of ["é", "日本語", "\u{1F600}", "ÿ\u0000\u00ff", "\ud800 lone surrogate"]) {
      expect(signer.sign(message).equals(reference(key, message))).toBe(true);
    }
  });

  it("signs messages longer than its reusable buffer, and shorter ones after them", () => {
    const key = randomBytes(32);
    const signer = new HmacSha256Key(key);
    const long = "日".repeat(maxBufferedMessageChars + 1);
    const atLimit = "日".repeat(maxBufferedMessageChars);
    expect(signer.sign(long).equals(reference(key, long))).toBe(true);
    expect(signer.sign(atLimit).equals(reference(key, atLimit))).toBe(true);
    expect(signer.sign("short").equals(reference(key, "short"))).toBe(true);
  });

  it("gives different digests for different messages and keys", () => {
    const key = randomBytes(32);
    const signer = new HmacSha256Key(key);
    expect(signer.sign("a").equals(signer.sign("b"))).toBe(false);
    expect(signer.sign("a").equals(new HmacSha256Key(randomBytes(32)).sign("a"))).toBe(false);
  });

  it("returns a digest that later signatures do not overwrite", () => {
    const signer = new HmacSha256Key(randomBytes(32));
    const first = signer.sign("first");
    const copy = Buffer.from(first);
    signer.sign("second");
    expect(first.equals(copy)).toBe(true);
  });
});
