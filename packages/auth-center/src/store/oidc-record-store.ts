/**
 * oidc-provider's artifacts (sessions, grants, codes, tokens, interactions …) in the auth-center's single
 * table. Each artifact is one item `pk = <Model>#<id>, sk = record`; the secondary lookups the provider
 * needs are extra items in the same table, because the store has no secondary indexes:
 *
 *   uid#<Model>#<uid>      / ref               → the Session with that uid
 *   userCode#<Model>#<code>/ ref               → the DeviceCode with that user code
 *   grant#<grantId>        / <Model>#<id>      → every artifact issued under a grant (revokeByGrantId)
 *   account#<accountId>    / <Model>#<id>      → every Session and Grant of an account (sign out everywhere)
 *
 * Expiry is stored as `expiresAt` (epoch seconds) and expired items read as absent: the store has no TTL.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ArtifactReplayedError } from "../errors.js";
import type { AuthTable } from "./auth-table.js";

/** A stored artifact as oidc-provider sees it (its own payload shape). */
export type ArtifactPayload = Record<string, unknown>;

/** What is reported when an artifact is deleted: the raw material for revocation events. */
export interface DestroyedArtifact {
  model: string;
  id: string;
  payload: ArtifactPayload;
  /** True for a signed (JWT) access token whose `jti` is not itself a credential. */
  structured: boolean;
}

export interface OidcRecordStoreOptions {
  /** Called after an artifact was deleted (revocation, logout, replay). Default: nothing. */
  onDestroyed?: (artifact: DestroyedArtifact) => void;
  /** Most artifacts one revocation of a grant or an account deletes before giving up. Default: 10000. */
  maxArtifactsPerRevocation?: number;
}

interface RecordItem {
  pk: string;
  sk: string;
  data: string;
  expiresAt?: number;
  consumedAt?: number;
  structured?: boolean;
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
}

const recordSortKey = "record";
const referenceSortKey = "ref";
/** Models listed under their account, so that one account's sessions and grants can all be ended. */
const accountIndexedModels = new Set(["Session", "Grant"]);

const epochSeconds = () => Math.floor(Date.now() / 1000);

export class OidcRecordStore {
  readonly #table: AuthTable;
  readonly #onDestroyed: (artifact: DestroyedArtifact) => void;
  readonly #maxArtifactsPerRevocation: number;

  constructor(table: AuthTable, options: OidcRecordStoreOptions = {}) {
    this.#table = table;
    this.#onDestroyed = options.onDestroyed ?? (() => {});
    this.#maxArtifactsPerRevocation = options.maxArtifactsPerRevocation ?? 10_000;
  }

  async upsert(
    model: string,
    id: string,
    payload: ArtifactPayload,
    expiresInSeconds: number | undefined,
    { structured = false }: { structured?: boolean } = {},
  ): Promise<void> {
    const expiresAt = expiresInSeconds ? epochSeconds() + expiresInSeconds : undefined;
    const grantId = stringField(payload, "grantId");
    const uid = stringField(payload, "uid");
    const userCode = stringField(payload, "userCode");
    const accountId = accountIndexedModels.has(model) ? stringField(payload, "accountId") : undefined;
    const record: RecordItem = {
      pk: recordKey(model, id),
      sk: recordSortKey,
      data: JSON.stringify(payload),
      ...(expiresAt ? { expiresAt } : {}),
      ...(structured ? { structured } : {}),
      ...(grantId ? { grantId } : {}),
      ...(uid ? { uid } : {}),
      ...(userCode ? { userCode } : {}),
      ...(accountId ? { accountId } : {}),
    };
    const references = referenceItems(model, id, record).map((item) => ({
      ...item,
      ...(expiresAt ? { expiresAt } : {}),
    }));
    await this.#table.documents.send(
      new TransactWriteCommand({
        TransactItems: [record, ...references].map((Item) => ({
          Put: { TableName: this.#table.tableName, Item },
        })),
      }),
    );
  }

  /** The artifact's payload (with `consumed` when it was consumed), or `undefined` if absent or expired. */
  async find(model: string, id: string, { structured = false } = {}): Promise<ArtifactPayload | undefined> {
    const record = await this.#readRecord(model, id);
    if (!record || (record.structured ?? false) !== structured) return undefined;
    return payloadOf(record);
  }

  async findByUid(model: string, uid: string): Promise<ArtifactPayload | undefined> {
    const id = await this.#readReference(`uid#${model}#${uid}`);
    return id === undefined ? undefined : this.find(model, id);
  }

  async findByUserCode(model: string, userCode: string): Promise<ArtifactPayload | undefined> {
    const id = await this.#readReference(`userCode#${model}#${userCode}`);
    return id === undefined ? undefined : this.find(model, id);
  }

  /**
   * Marks a one-time artifact consumed. The write is conditional, so of two concurrent redemptions only
   * one succeeds; the loser revokes the whole grant (as oidc-provider does for a sequential replay).
   */
  async consume(model: string, id: string): Promise<void> {
    try {
      await this.#table.documents.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: { pk: recordKey(model, id), sk: recordSortKey },
          UpdateExpression: "SET consumedAt = :now",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(consumedAt)",
          ExpressionAttributeValues: { ":now": epochSeconds() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const record = await this.#readRecord(model, id, { includeExpired: true });
      if (record?.grantId) await this.revokeGrant(record.grantId);
      throw new ArtifactReplayedError(model);
    }
  }

  async destroy(model: string, id: string): Promise<void> {
    const record = await this.#readRecord(model, id, { includeExpired: true });
    if (!record) return;
    const keys = [record, ...referenceItems(model, id, record)].map(({ pk, sk }) => ({ pk, sk }));
    await this.#table.documents.send(
      new TransactWriteCommand({
        TransactItems: keys.map((Key) => ({ Delete: { TableName: this.#table.tableName, Key } })),
      }),
    );
    if (record.expiresAt === undefined || record.expiresAt > epochSeconds()) {
      this.#onDestroyed({ model, id, payload: payloadOf(record), structured: record.structured ?? false });
    }
  }

  /** Deletes every artifact of `model` issued under the grant. */
  async revokeByGrantId(model: string, grantId: string): Promise<void> {
    for (const member of await this.#members(`grant#${grantId}`, `${model}#`)) {
      await this.#destroyMember(`grant#${grantId}`, member);
    }
  }

  /** Deletes the grant and every artifact issued under it, whatever its model. */
  async revokeGrant(grantId: string): Promise<void> {
    for (const member of await this.#members(`grant#${grantId}`, "")) {
      await this.#destroyMember(`grant#${grantId}`, member);
    }
    await this.destroy("Grant", grantId);
  }

  /** Ends every session of the account and revokes every grant it gave, with their tokens. */
  async revokeEverythingOfAccount(accountId: string): Promise<void> {
    const partition = `account#${accountId}`;
    for (const member of await this.#members(partition, "")) {
      const record = await this.#readRecord(member.model, member.id, { includeExpired: true });
      // A session reused by another account since it was listed here is not this account's to end.
      if (record && record.accountId === accountId) {
        if (member.model === "Grant") await this.revokeGrant(member.id);
        else await this.destroy(member.model, member.id);
      }
      await this.#deleteItem(partition, member.sortKey);
    }
  }

  async #destroyMember(partition: string, member: { model: string; id: string; sortKey: string }) {
    await this.destroy(member.model, member.id);
    // The record may already be gone (expired and cleaned, or destroyed elsewhere): drop the reference too.
    await this.#deleteItem(partition, member.sortKey);
  }

  async #members(partition: string, sortKeyPrefix: string) {
    const members: { model: string; id: string; sortKey: string }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#table.documents.send(
        new QueryCommand({
          TableName: this.#table.tableName,
          KeyConditionExpression: sortKeyPrefix ? "pk = :pk AND begins_with(sk, :prefix)" : "pk = :pk",
          ExpressionAttributeValues: {
            ":pk": partition,
            ...(sortKeyPrefix ? { ":prefix": sortKeyPrefix } : {}),
          },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const sortKey = String(item.sk);
        const at = sortKey.indexOf("#");
        members.push({ model: sortKey.slice(0, at), id: sortKey.slice(at + 1), sortKey });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && members.length < this.#maxArtifactsPerRevocation);
    return members.slice(0, this.#maxArtifactsPerRevocation);
  }

  async #readRecord(
    model: string,
    id: string,
    { includeExpired = false } = {},
  ): Promise<RecordItem | undefined> {
    const { Item } = await this.#table.documents.send(
      new GetCommand({
        TableName: this.#table.tableName,
        Key: { pk: recordKey(model, id), sk: recordSortKey },
        ConsistentRead: true,
      }),
    );
    const record = Item as RecordItem | undefined;
    if (!record) return undefined;
    if (!includeExpired && record.expiresAt !== undefined && record.expiresAt <= epochSeconds())
      return undefined;
    return record;
  }

  async #readReference(partition: string): Promise<string | undefined> {
    const { Item } = await this.#table.documents.send(
      new GetCommand({
        TableName: this.#table.tableName,
        Key: { pk: partition, sk: referenceSortKey },
        ConsistentRead: true,
      }),
    );
    if (!Item || (typeof Item.expiresAt === "number" && Item.expiresAt <= epochSeconds())) return undefined;
    return typeof Item.id === "string" ? Item.id : undefined;
  }

  async #deleteItem(pk: string, sk: string) {
    await this.#table.documents.send(
      new DeleteCommand({ TableName: this.#table.tableName, Key: { pk, sk } }),
    );
  }
}

function recordKey(model: string, id: string) {
  return `${model}#${id}`;
}

function referenceItems(model: string, id: string, record: RecordItem) {
  const items: { pk: string; sk: string; id?: string }[] = [];
  if (record.uid) items.push({ pk: `uid#${model}#${record.uid}`, sk: referenceSortKey, id });
  if (record.userCode) items.push({ pk: `userCode#${model}#${record.userCode}`, sk: referenceSortKey, id });
  if (record.grantId) items.push({ pk: `grant#${record.grantId}`, sk: `${model}#${id}` });
  if (record.accountId) items.push({ pk: `account#${record.accountId}`, sk: `${model}#${id}` });
  return items;
}

function payloadOf(record: RecordItem): ArtifactPayload {
  const payload = JSON.parse(record.data) as ArtifactPayload;
  if (record.consumedAt !== undefined) payload.consumed = record.consumedAt;
  return payload;
}

function stringField(payload: ArtifactPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
