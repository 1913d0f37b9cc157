/**
 * The provider's signing keys (ES256), generated on first start and kept in storage as one item
 * (`pk = keys, sk = signing`) guarded by a version number, so that concurrent starts and rotations
 * never lose a key. Rotation makes a fresh key the active one and retires the previous key: a retired
 * key signs nothing but stays in the JWKS until every token it signed has expired.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { ConcurrentUpdateError } from "../errors.js";
import type { AuthTable } from "../store/auth-table.js";

export const signingAlgorithm = "ES256";

export interface StoredSigningKey {
  /** The private JWK, with `kid`, `alg` and `use`. */
  jwk: JWK;
  createdAt: number;
  /** Set once the key is retired: epoch seconds after which no token it signed can still be valid. */
  verifyUntil?: number;
}

export interface SigningKeySet {
  version: number;
  /** The active key first, then retired keys still needed for verification. */
  keys: StoredSigningKey[];
}

const itemKey = { pk: "keys", sk: "signing" };
/** Attempts at the optimistic read-modify-write before reporting a conflict. */
const maxWriteAttempts = 5;

const epochSeconds = () => Math.floor(Date.now() / 1000);

export async function readSigningKeys(table: AuthTable): Promise<SigningKeySet | undefined> {
  const { Item } = await table.documents.send(
    new GetCommand({ TableName: table.tableName, Key: itemKey, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return {
    version: Number(Item.version),
    keys: withoutExpired(JSON.parse(String(Item.keys)) as StoredSigningKey[]),
  };
}

/** The stored key set, creating the first key if there is none yet. */
export async function loadOrCreateSigningKeys(table: AuthTable): Promise<SigningKeySet> {
  for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
    const existing = await readSigningKeys(table);
    if (existing && existing.keys.length > 0) return existing;
    const created = { version: (existing?.version ?? 0) + 1, keys: [await generateSigningKey()] };
    if (await writeKeySet(table, created, existing?.version)) return created;
  }
  throw new ConcurrentUpdateError("The signing key set");
}

/**
 * Makes a new key active. The previous active key is kept for verification for `retiredKeyLifetimeSeconds`
 * (the longest lifetime of anything it signed); keys retired long enough ago are dropped.
 */
export async function rotateStoredSigningKeys(
  table: AuthTable,
  retiredKeyLifetimeSeconds: number,
): Promise<SigningKeySet> {
  for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
    const existing = await readSigningKeys(table);
    const now = epochSeconds();
    const retired = (existing?.keys ?? []).map((key) => ({
      ...key,
      verifyUntil: key.verifyUntil ?? now + retiredKeyLifetimeSeconds,
    }));
    const next = { version: (existing?.version ?? 0) + 1, keys: [await generateSigningKey(), ...retired] };
    if (await writeKeySet(table, next, existing?.version)) return next;
  }
  throw new ConcurrentUpdateError("The signing key set");
}

/** The key set in oidc-provider's `jwks` form: retired keys may only verify, never sign. */
export function providerJwks(keySet: SigningKeySet): { keys: JWK[] } {
  return {
    keys: keySet.keys.map(({ jwk, verifyUntil }) =>
      verifyUntil === undefined ? jwk : { ...jwk, key_ops: ["verify"] },
    ),
  };
}

async function generateSigningKey(): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { jwk: { ...jwk, kid, alg: signingAlgorithm, use: "sig" }, createdAt: epochSeconds() };
}

function withoutExpired(keys: StoredSigningKey[]) {
  const now = epochSeconds();
  return keys.filter((key) => key.verifyUntil === undefined || key.verifyUntil > now);
}

async function writeKeySet(table: AuthTable, keySet: SigningKeySet, previousVersion: number | undefined) {
  try {
    await table.documents.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...itemKey, version: keySet.version, keys: JSON.stringify(keySet.keys) },
        ...(previousVersion === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : {
              ConditionExpression: "version = :previous",
              ExpressionAttributeValues: { ":previous": previousVersion },
            }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
