/**
 * How a write that meets another transaction's lock is refused, as DynamoDB refuses it: a
 * TransactWriteItems call is cancelled with a `TransactionConflict` reason at each action whose item
 * is locked, any other write fails with `TransactionConflictException`.
 */
import { DynamoError } from "../errors.js";

const ongoing = "Transaction is ongoing for the item";

/**
 * The error for a request whose `actions` items (in request order) include locked ones at
 * `lockedPositions`; `asCancellation` for TransactWriteItems and TransactGetItems.
 */
export function transactionConflict(
  lockedPositions: Iterable<number>,
  actions: number,
  asCancellation: boolean,
): DynamoError {
  if (!asCancellation || actions === 0) {
    return new DynamoError("TransactionConflictException", ongoing);
  }
  const locked = new Set(lockedPositions);
  const reasons = Array.from({ length: actions }, (_, position) =>
    locked.has(position) ? { Code: "TransactionConflict", Message: ongoing } : { Code: "None" },
  );
  return new DynamoError(
    "TransactionCanceledException",
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(", ")}]`,
    400,
    { CancellationReasons: reasons },
  );
}
