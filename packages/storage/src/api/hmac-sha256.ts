/**
 * HMAC-SHA-256 (RFC 2104) under one fixed key, for a key that signs many short messages: SigV4's
 * derived signing key checks every request. node:crypto's `createHmac` builds a stream object and
 * imports the key on each call, which costs several times the two hashes an HMAC is; here the padded
 * key blocks are prepared once and each message costs two one-shot `crypto.hash` calls. Their digests
 * come back as "binary" (latin1) strings, one byte per character: node:crypto returns a string for
 * less than half of what it takes to return a Buffer.
 */
import { hash } from "node:crypto";

/** SHA-256's block size: the key is padded to it. Bytes. */
const blockBytes = 64;
/** SHA-256's output size. Bytes. */
const digestBytes = 32;
/** Longest message (in UTF-16 code units) hashed in the reusable buffer; longer ones get their own. */
export const maxBufferedMessageChars = 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const maxUtf8BytesPerChar = 3;

export class HmacSha256Key {
  /** The inner padded key followed by room for a message. */
  readonly #inner = Buffer.alloc(blockBytes + maxBufferedMessageChars * maxUtf8BytesPerChar);
  /** The outer padded key followed by the inner digest. */
  readonly #outer = Buffer.alloc(blockBytes + digestBytes);

  constructor(key: Uint8Array) {
    const blockKey = key.length > blockBytes ? hash("sha256", key, "buffer") : key;
    for (let i = 0; i < blockBytes; i++) {
      const byte = blockKey[i] ?? 0;
      this.#inner[i] = byte ^ 0x36;
      this.#outer[i] = byte ^ 0x5c;
    }
  }

  /** HMAC-SHA-256 of `message` encoded as UTF-8, in a Buffer of its own. */
  sign(message: string): Buffer {
    let innerInput: Buffer;
    if (message.length <= maxBufferedMessageChars) {
      const messageBytes = this.#inner.write(message, blockBytes, "utf8");
      innerInput = this.#inner.subarray(0, blockBytes + messageBytes);
    } else {
      innerInput = Buffer.concat([this.#inner.subarray(0, blockBytes), Buffer.from(message, "utf8")]);
    }
    this.#outer.write(hash("sha256", innerInput, "binary"), blockBytes, "binary");
    const digest = Buffer.allocUnsafe(digestBytes);
    digest.write(hash("sha256", this.#outer, "binary"), 0, "binary");
    return digest;
  }
}
