/**
 * Password hashing with scrypt (node:crypto). A hash is self-describing —
 * `scrypt$<N>$<r>$<p>$<salt>$<key>` — so the cost can be raised later without breaking stored hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** CPU/memory cost (2^15), block size and parallelism: OWASP's scrypt recommendation. */
const cost = 2 ** 15;
const blockSize = 8;
const parallelism = 1;
const saltBytes = 16;
const keyBytes = 32;
/** scrypt needs 128 · N · r bytes; leave headroom over that. */
const maxMemoryBytes = 128 * cost * blockSize * 2;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      keyBytes,
      { N, r, p, maxmem: Math.max(maxMemoryBytes, 256 * N * r) },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, cost, blockSize, parallelism);
  return ["scrypt", cost, blockSize, parallelism, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, N, r, p, salt, key] = encoded.split("$");
  if (scheme !== "scrypt" || !N || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await derive(password, Buffer.from(salt, "base64url"), Number(N), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password: verifying against it costs what a real check costs, for unknown accounts. */
export const decoyPasswordHash = hashPassword(randomBytes(16).toString("base64url"));
