/**
 * People who sign in: one item per account (`pk = user#<email>`), plus `subject#<sub>` pointing back to
 * it, since oidc-provider looks accounts up by subject. Email addresses are compared case-insensitively;
 * the subject is a random UUID that never changes, even when the password does.
 */
import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { AccountExistsError, AccountInputError, ConcurrentUpdateError } from "../errors.js";
import type { AuthTable } from "../store/auth-table.js";
import { decoyPasswordHash, hashPassword, verifyPassword } from "./password-hash.js";

export interface Account {
  sub: string;
  email: string;
  name: string;
  createdAt: number;
  passwordChangedAt: number;
}

interface AccountItem extends Account {
  passwordHash: string;
}

/** Account rules: bounded sizes so that no input makes hashing or storage expensive. */
export const minPasswordLength = 10;
export const maxPasswordLength = 256;
export const maxEmailLength = 254;
export const maxNameLength = 100;

const profileSortKey = "profile";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AccountStore {
  readonly #table: AuthTable;

  constructor(table: AuthTable) {
    this.#table = table;
  }

  /** Creates an account; throws AccountExistsError if the email is taken, AccountInputError if invalid. */
  async create(input: { email: string; name: string; password: string }): Promise<Account> {
    const email = normalizeEmail(input.email);
    const name = input.name.trim() || email;
    assertValidEmail(email);
    if (name.length > maxNameLength)
      throw new AccountInputError(`A name has at most ${maxNameLength} characters.`);
    assertValidPassword(input.password);
    const now = Math.floor(Date.now() / 1000);
    const item: AccountItem = {
      sub: randomUUID(),
      email,
      name,
      createdAt: now,
      passwordChangedAt: now,
      passwordHash: await hashPassword(input.password),
    };
    try {
      await this.#table.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#table.tableName,
                Item: { pk: `user#${email}`, sk: profileSortKey, ...item },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Put: {
                TableName: this.#table.tableName,
                Item: { pk: `subject#${item.sub}`, sk: profileSortKey, email },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new AccountExistsError();
      throw error;
    }
    return publicPart(item);
  }

  async findByEmail(email: string): Promise<Account | undefined> {
    const item = await this.#readByEmail(normalizeEmail(email));
    return item && publicPart(item);
  }

  async findBySubject(sub: string): Promise<Account | undefined> {
    const { Item } = await this.#table.documents.send(
      new GetCommand({ TableName: this.#table.tableName, Key: { pk: `subject#${sub}`, sk: profileSortKey } }),
    );
    if (typeof Item?.email !== "string") return undefined;
    return this.findByEmail(Item.email);
  }

  /**
   * The account if the password is right, else `undefined`. Unknown emails cost the same as wrong
   * passwords, so the timing does not tell which accounts exist.
   */
  async authenticate(email: string, password: string): Promise<Account | undefined> {
    if (password.length > maxPasswordLength) return undefined;
    const item = await this.#readByEmail(normalizeEmail(email));
    const matches = await verifyPassword(password, item?.passwordHash ?? (await decoyPasswordHash));
    return item && matches ? publicPart(item) : undefined;
  }

  async changePassword(email: string, newPassword: string): Promise<Account> {
    assertValidPassword(newPassword);
    const item = await this.#readByEmail(normalizeEmail(email));
    if (!item) throw new AccountInputError("No account has this email address.");
    const passwordChangedAt = Math.floor(Date.now() / 1000);
    try {
      await this.#table.documents.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: { pk: `user#${item.email}`, sk: profileSortKey },
          UpdateExpression: "SET passwordHash = :hash, passwordChangedAt = :now",
          ConditionExpression: "passwordHash = :previous",
          ExpressionAttributeValues: {
            ":hash": await hashPassword(newPassword),
            ":now": passwordChangedAt,
            ":previous": item.passwordHash,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError("The password");
      throw error;
    }
    return { ...publicPart(item), passwordChangedAt };
  }

  async #readByEmail(email: string): Promise<AccountItem | undefined> {
    if (email === "" || email.length > maxEmailLength) return undefined;
    const { Item } = await this.#table.documents.send(
      new GetCommand({
        TableName: this.#table.tableName,
        Key: { pk: `user#${email}`, sk: profileSortKey },
        ConsistentRead: true,
      }),
    );
    return Item as AccountItem | undefined;
  }
}

function publicPart({ sub, email, name, createdAt, passwordChangedAt }: AccountItem): Account {
  return { sub, email, name, createdAt, passwordChangedAt };
}

function assertValidEmail(email: string) {
  if (email.length > maxEmailLength || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new AccountInputError("Enter an email address like name@example.com.");
  }
}

function assertValidPassword(password: string) {
  if (password.length < minPasswordLength || password.length > maxPasswordLength) {
    throw new AccountInputError(
      `A password has between ${minPasswordLength} and ${maxPasswordLength} characters.`,
    );
  }
}
