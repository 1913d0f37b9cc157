/**
 * The errors of the storage client a caller may handle, each with a stable `code`. Configuration errors
 * are service-kit's `ConfigError` (code `CONFIG_INVALID`), so a service reports them like any other.
 */

export const storageClientErrorCodes = {
  tableNotActive: "STORAGE_TABLE_NOT_ACTIVE",
  tableKeySchemaMismatch: "STORAGE_TABLE_KEY_SCHEMA_MISMATCH",
  unreachable: "STORAGE_UNREACHABLE",
} as const;

export type StorageClientErrorCode = (typeof storageClientErrorCodes)[keyof typeof storageClientErrorCodes];

/** The base class: `error.code` says which of the cases below it is. */
export class StorageClientError extends Error {
  readonly code: StorageClientErrorCode;

  constructor(code: StorageClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StorageClientError";
    this.code = code;
  }
}

/** The table exists (or was just created) but did not reach ACTIVE within the wait allowed. */
export class TableNotActiveError extends StorageClientError {
  readonly tableName: string;
  /** The last status read, or `undefined` when the table was not there at the last read. */
  readonly lastStatus: string | undefined;

  constructor(tableName: string, lastStatus: string | undefined, timeoutMs: number) {
    super(
      storageClientErrorCodes.tableNotActive,
      `Table ${tableName} did not become ACTIVE within ${timeoutMs} ms (last status: ${lastStatus ?? "absent"}).`,
    );
    this.name = "TableNotActiveError";
    this.tableName = tableName;
    this.lastStatus = lastStatus;
  }
}

/** The table exists with a key schema other than the one asked for; the service cannot use it. */
export class TableKeySchemaError extends StorageClientError {
  readonly tableName: string;
  /** The table's key, e.g. `id (HASH, S)`. */
  readonly actualKey: string;
  /** The key the caller needs, e.g. `pk (HASH, S) + sk (RANGE, S)`. */
  readonly expectedKey: string;

  constructor(tableName: string, actualKey: string, expectedKey: string) {
    super(
      storageClientErrorCodes.tableKeySchemaMismatch,
      `Table ${tableName} has the key ${actualKey}, but this service needs ${expectedKey}: ` +
        "use another table name or migrate the table.",
    );
    this.name = "TableKeySchemaError";
    this.tableName = tableName;
    this.actualKey = actualKey;
    this.expectedKey = expectedKey;
  }
}

/** Storage refused every connection until the wait allowed ran out. */
export class StorageUnreachableError extends StorageClientError {
  constructor(timeoutMs: number, cause: unknown) {
    super(
      storageClientErrorCodes.unreachable,
      `Storage refused connections for ${timeoutMs} ms; is it running at HAKOBUNE_STORAGE_ENDPOINT?`,
      { cause },
    );
    this.name = "StorageUnreachableError";
  }
}
