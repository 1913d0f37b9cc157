/**
 * Symmetric secrets shared by every instance behind one issuer: the keys that sign cookies, the key
 * behind CSRF tokens and the key behind structured token handles. Generated on first start and kept in
 * storage (`pk = keys, sk = secrets`); cookie keys given in the configuration take precedence.
 */
import { randomBytes } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { AuthTable } from "../store/auth-table.js";

export interface ServiceSecrets {
  /** Keys for signing cookies, newest first (oidc-provider signs with the first, accepts all). */
  cookieKeys: string[];
  csrfKey: Buffer;
  tokenHandleKey: Buffer;
}

const itemKey = { pk: "keys", sk: "secrets" };
const secretBytes = 32;

export async function loadOrCreateServiceSecrets(
  table: AuthTable,
  configuredCookieKeys: string[] = [],
): Promise<ServiceSecrets> {
  const stored = await readSecrets(table);
  const secrets = stored ?? (await createSecrets(table));
  return configuredCookieKeys.length > 0 ? { ...secrets, cookieKeys: configuredCookieKeys } : secrets;
}

async function readSecrets(table: AuthTable): Promise<ServiceSecrets | undefined> {
  const { Item } = await table.documents.send(
    new GetCommand({ TableName: table.tableName, Key: itemKey, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return {
    cookieKeys: (Item.cookieKeys as string[]) ?? [],
    csrfKey: Buffer.from(String(Item.csrfKey), "base64url"),
    tokenHandleKey: Buffer.from(String(Item.tokenHandleKey), "base64url"),
  };
}

async function createSecrets(table: AuthTable): Promise<ServiceSecrets> {
  const fresh = () => randomBytes(secretBytes).toString("base64url");
  const item = { ...itemKey, cookieKeys: [fresh()], csrfKey: fresh(), tokenHandleKey: fresh() };
  try {
    await table.documents.send(
      new PutCommand({
        TableName: table.tableName,
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  } catch (error) {
    // Another instance created them first; use theirs.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const stored = await readSecrets(table);
    if (stored) return stored;
    throw error;
  }
  return {
    cookieKeys: item.cookieKeys,
    csrfKey: Buffer.from(item.csrfKey, "base64url"),
    tokenHandleKey: Buffer.from(item.tokenHandleKey, "base64url"),
  };
}
