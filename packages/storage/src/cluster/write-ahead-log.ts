/**
 * An append-only log of records in segment files, made durable by group commit: records appended while
 * a sync is running are written together and covered by the next single `fdatasync`, so every Raft
 * group of a node shares one sync per round of replication. A record is framed as
 * `[u32 length][u32 crc32][payload]` (little-endian); at open, a torn or damaged record at the end of the
 * last segment (a write that a crash cut, never acknowledged) is cut off, and a damaged record anywhere
 * else is refused as corruption. When the current segment grows past its bound, the owner's checkpoint
 * (everything still live, as one record) starts a new segment and the older segments are deleted.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";

/** Raised at open when a segment holds a damaged record that is not a cut-off tail. */
export class WalCorruptionError extends Error {
  readonly code = "WAL_CORRUPT";
  override readonly name = "WalCorruptionError";
}

/** Raised by `append` after a write or sync failed: what the kernel kept of it is unknown. */
export class WalFailedError extends Error {
  readonly code = "WAL_FAILED";
  override readonly name = "WalFailedError";
}

export interface WriteAheadLogOptions {
  dir: string;
  /** Replays every record found, oldest first, before `open` resolves. */
  onRecord: (payload: Buffer) => void;
  /** The record that starts a new segment: all live state, replacing the segments before it. */
  checkpoint: () => Buffer;
  /**
   * A segment is rotated past this many bytes (or past four times the last checkpoint, if larger, so
   * that a big live state is not rewritten over and over). Default 64 MiB.
   */
  maxSegmentBytes?: number;
  /** Told after every sync: how long it took, and the records and bytes it made durable. */
  onSync?: (seconds: number, records: number, bytes: number) => void;
  /** Told when a new segment started with a checkpoint of `bytes`. */
  onRotate?: (bytes: number) => void;
}

/** Bytes of a record's frame before its payload. */
const frameBytes = 8;
/** Largest payload accepted at replay: anything longer is a damaged length field. */
export const maxRecordBytes = 1024 * 1024 * 1024;
const defaultMaxSegmentBytes = 64 * 1024 * 1024;
const segmentPattern = /^(\d{16})\.wal$/;

function segmentName(sequence: number): string {
  return `${String(sequence).padStart(16, "0")}.wal`;
}

/** Frames `payload` for the log. */
export function frameRecord(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(frameBytes + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, frameBytes);
  return frame;
}

/**
 * The payloads of the whole records at the start of `bytes`, and the offset where they end (the length
 * of `bytes` unless a record is torn or damaged there).
 */
export function readRecords(bytes: Buffer): { payloads: Buffer[]; end: number } {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset + frameBytes <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    if (length === 0 || length > maxRecordBytes || offset + frameBytes + length > bytes.length) break;
    const payload = bytes.subarray(offset + frameBytes, offset + frameBytes + length);
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) break;
    payloads.push(payload);
    offset += frameBytes + length;
  }
  return { payloads, end: offset };
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class WriteAheadLog {
  readonly #dir: string;
  readonly #checkpoint: () => Buffer;
  readonly #maxSegmentBytes: number;
  readonly #onSync: (seconds: number, records: number, bytes: number) => void;
  readonly #onRotate: (bytes: number) => void;
  #sequence: number;
  #fd: number;
  #size: number;
  #checkpointBytes = 0;
  /**
   * Framed records appended and not written yet, and the callers waiting for them to be durable. Bounded
   * by the callers: each Raft group waits for its record before it appends the next, so at most one
   * record per hosted group (and a few for membership and shape changes) waits here.
   */
  #pending: Buffer[] = [];
  #pendingWaiters: Waiter[] = [];
  #flushing = false;
  #flushScheduled = false;
  #failure: Error | undefined;
  #closed = false;
  #idle: (() => void) | undefined;

  private constructor(
    dir: string,
    options: WriteAheadLogOptions,
    sequence: number,
    fd: number,
    size: number,
  ) {
    this.#dir = dir;
    this.#checkpoint = options.checkpoint;
    this.#maxSegmentBytes = options.maxSegmentBytes ?? defaultMaxSegmentBytes;
    this.#onSync = options.onSync ?? (() => undefined);
    this.#onRotate = options.onRotate ?? (() => undefined);
    this.#sequence = sequence;
    this.#fd = fd;
    this.#size = size;
  }

  /** Opens the log in `dir` (created by the caller), replaying what it holds through `onRecord`. */
  static async open(options: WriteAheadLogOptions): Promise<WriteAheadLog> {
    const { dir } = options;
    const sequences = readdirSync(dir)
      .map((name) => segmentPattern.exec(name)?.[1])
      .filter((match): match is string => match !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    let size = 0;
    for (const [position, sequence] of sequences.entries()) {
      const path = join(dir, segmentName(sequence));
      const bytes = readFileSync(path);
      const { payloads, end } = readRecords(bytes);
      const last = position === sequences.length - 1;
      if (end < bytes.length && !last) {
        throw new WalCorruptionError(
          `${path} has a damaged record at byte ${end} of ${bytes.length}, before the last segment`,
        );
      }
      for (const payload of payloads) options.onRecord(payload);
      if (last) {
        size = end;
        // The tail a crash cut off was never acknowledged: drop it so new records follow whole ones.
        if (end < bytes.length) await truncate(path, end);
      }
    }
    const sequence = sequences.at(-1) ?? 1;
    const fd = openSync(join(dir, segmentName(sequence)), "a+");
    if (sequences.length === 0) syncDirectory(dir);
    return new WriteAheadLog(dir, options, sequence, fd, size);
  }

  /** Appends one record; resolves once it is on disk. Records are durable in the order appended. */
  append(payload: Buffer): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (payload.length > maxRecordBytes) {
      return Promise.reject(
        new RangeError(`a log record of ${payload.length} bytes is over ${maxRecordBytes}`),
      );
    }
    if (this.#closed) return Promise.reject(new WalFailedError("the log is closed"));
    return new Promise((resolve, reject) => {
      this.#pending.push(frameRecord(payload));
      this.#pendingWaiters.push({ resolve, reject });
      this.#scheduleFlush();
    });
  }

  /** Waits for the records appended so far to be durable, then closes the segment. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flushing || this.#flushScheduled) {
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
    }
    closeSync(this.#fd);
  }

  #scheduleFlush(): void {
    if (this.#flushing || this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Records appended in the same turn (every group's persist of one round) share one write.
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#pending.length === 0 || this.#failure) {
      this.#idle?.();
      return;
    }
    this.#flushing = true;
    const records = this.#pending;
    const waiters = this.#pendingWaiters;
    this.#pending = [];
    this.#pendingWaiters = [];
    try {
      if (this.#size >= Math.max(this.#maxSegmentBytes, 4 * this.#checkpointBytes)) {
        // The checkpoint holds the effect of every record appended so far, these included.
        this.#rotate();
        this.#settle(waiters, undefined);
        return;
      }
      const bytes = records.length === 1 ? records[0]! : Buffer.concat(records);
      let written = 0;
      while (written < bytes.length) {
        written += writeSync(this.#fd, bytes, written, bytes.length - written, this.#size + written);
      }
      this.#size += bytes.length;
      const startedAt = process.hrtime.bigint();
      fdatasync(this.#fd, (error) => {
        if (!error)
          this.#onSync(Number(process.hrtime.bigint() - startedAt) / 1e9, records.length, bytes.length);
        this.#settle(waiters, error ?? undefined);
      });
    } catch (error) {
      this.#settle(waiters, error);
    }
  }

  #settle(waiters: Waiter[], error: unknown): void {
    this.#flushing = false;
    if (error !== undefined && !this.#failure) {
      // Whether a failed write or sync reached the disk is unknown (and a later sync may not report
      // it): no record after it may be acknowledged.
      this.#failure = new WalFailedError(`the write-ahead log failed: ${String(error)}`);
    }
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(this.#failure);
    }
    if (this.#failure) {
      for (const waiter of this.#pendingWaiters) waiter.reject(this.#failure);
      this.#pending = [];
      this.#pendingWaiters = [];
    }
    this.#flush();
  }

  /** Starts the next segment with a checkpoint, durably, and deletes the segments before it. */
  #rotate(): void {
    const checkpoint = frameRecord(this.#checkpoint());
    const next = this.#sequence + 1;
    const fd = openSync(join(this.#dir, segmentName(next)), "w+");
    let written = 0;
    while (written < checkpoint.length) {
      written += writeSync(fd, checkpoint, written, checkpoint.length - written, written);
    }
    fsyncSync(fd);
    syncDirectory(this.#dir);
    closeSync(this.#fd);
    for (let sequence = this.#sequence; sequence >= 1; sequence--) {
      try {
        unlinkSync(join(this.#dir, segmentName(sequence)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") break;
        throw error;
      }
    }
    this.#fd = fd;
    this.#sequence = next;
    this.#size = checkpoint.length;
    this.#checkpointBytes = checkpoint.length;
    this.#onRotate(checkpoint.length);
  }
}
