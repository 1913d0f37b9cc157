/**
 * Failed-login throttling, per account and per client address, kept in storage so that every instance
 * behind one issuer sees the same counts. Counting uses fixed windows: the item
 * `throttle#<kind>#<key>#<window>` holds the failures seen in that window, incremented atomically with
 * ADD. Once a key reaches its limit, every attempt for it is refused until the window ends — even with
 * the right password, so that guessing cannot continue at a slower pace unnoticed.
 */
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AuthTable } from "../store/auth-table.js";
import { normalizeEmail } from "./account-store.js";

export interface LoginThrottleOptions {
  /** Failed attempts allowed per account within one window. Default: 5. */
  maxFailuresPerAccount?: number;
  /** Failed attempts allowed per client address within one window. Default: 20. */
  maxFailuresPerAddress?: number;
  /** Window length in seconds. Default: 900 (15 minutes). */
  windowSeconds?: number;
}

export type ThrottleVerdict =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; reason: "account" | "address" };

const countSortKey = "failures";

export class LoginThrottle {
  readonly #table: AuthTable;
  readonly #maxFailuresPerAccount: number;
  readonly #maxFailuresPerAddress: number;
  readonly #windowSeconds: number;

  constructor(table: AuthTable, options: LoginThrottleOptions = {}) {
    this.#table = table;
    this.#maxFailuresPerAccount = options.maxFailuresPerAccount ?? 5;
    this.#maxFailuresPerAddress = options.maxFailuresPerAddress ?? 20;
    this.#windowSeconds = options.windowSeconds ?? 900;
  }

  async check(email: string, address: string): Promise<ThrottleVerdict> {
    const [accountFailures, addressFailures] = await Promise.all([
      this.#failures(this.#accountKey(email)),
      this.#failures(this.#addressKey(address)),
    ]);
    const retryAfterSeconds = this.#windowEnd() - epochSeconds();
    if (accountFailures >= this.#maxFailuresPerAccount)
      return { allowed: false, retryAfterSeconds, reason: "account" };
    if (addressFailures >= this.#maxFailuresPerAddress)
      return { allowed: false, retryAfterSeconds, reason: "address" };
    return { allowed: true };
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([this.#increment(this.#accountKey(email)), this.#increment(this.#addressKey(address))]);
  }

  /** A successful login clears the account's count (not the address's: one good password must not
   *  reset the count of guesses made against other accounts from the same address). */
  async recordSuccess(email: string): Promise<void> {
    await this.#table.documents.send(
      new DeleteCommand({
        TableName: this.#table.tableName,
        Key: { pk: this.#accountKey(email), sk: countSortKey },
      }),
    );
  }

  #accountKey(email: string) {
    return `throttle#account#${normalizeEmail(email)}#${this.#windowIndex()}`;
  }

  #addressKey(address: string) {
    return `throttle#address#${address}#${this.#windowIndex()}`;
  }

  #windowIndex() {
    return Math.floor(epochSeconds() / this.#windowSeconds);
  }

  #windowEnd() {
    return (this.#windowIndex() + 1) * this.#windowSeconds;
  }

  async #failures(pk: string): Promise<number> {
    const { Item } = await this.#table.documents.send(
      new GetCommand({
        TableName: this.#table.tableName,
        Key: { pk, sk: countSortKey },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.count === "number" ? Item.count : 0;
  }

  async #increment(pk: string) {
    await this.#table.documents.send(
      new UpdateCommand({
        TableName: this.#table.tableName,
        Key: { pk, sk: countSortKey },
        UpdateExpression: "ADD #count :one SET expiresAt = :expiresAt",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: { ":one": 1, ":expiresAt": this.#windowEnd() },
      }),
    );
  }
}

const epochSeconds = () => Math.floor(Date.now() / 1000);
