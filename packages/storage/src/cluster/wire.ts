/**
 * How Raft messages travel between storage nodes: JSON, with entry payloads and snapshot images in
 * base64. Batches carry the sender and, per message, the group it belongs to.
 */
import type { Entry, Message, Snapshot } from "../replication/index.js";

export interface GroupMessage {
  group: string;
  message: Message;
}

export interface MessageBatch {
  from: string;
  messages: GroupMessage[];
}

interface WireEntry extends Omit<Entry, "data"> {
  data: string;
}

interface WireSnapshot extends Omit<Snapshot, "data"> {
  data: string;
}

/** Raised when a received batch is not one this module encoded. */
export class WireFormatError extends Error {
  readonly code = "WIRE_FORMAT";
  override readonly name = "WireFormatError";
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

function encodeMessage(message: Message): unknown {
  if (message.type === "append") {
    return { ...message, entries: message.entries.map((entry) => ({ ...entry, data: base64(entry.data) })) };
  }
  if (message.type === "snapshot") {
    return { ...message, snapshot: { ...message.snapshot, data: base64(message.snapshot.data) } };
  }
  return message;
}

function decodeMessage(raw: Record<string, unknown>): Message {
  if (raw.type === "append") {
    const entries = (raw.entries as WireEntry[]).map((entry) => ({ ...entry, data: bytes(entry.data) }));
    return { ...raw, entries } as unknown as Message;
  }
  if (raw.type === "snapshot") {
    const snapshot = raw.snapshot as WireSnapshot;
    return { ...raw, snapshot: { ...snapshot, data: bytes(snapshot.data) } } as unknown as Message;
  }
  return raw as unknown as Message;
}

export function encodeBatch(batch: MessageBatch): string {
  return JSON.stringify({
    from: batch.from,
    messages: batch.messages.map(({ group, message }) => ({ group, message: encodeMessage(message) })),
  });
}

export function decodeBatch(text: string): MessageBatch {
  const raw = JSON.parse(text) as { from?: unknown; messages?: unknown };
  if (typeof raw.from !== "string" || !Array.isArray(raw.messages)) {
    throw new WireFormatError("a message batch needs `from` and `messages`");
  }
  const messages = raw.messages.map((item: { group?: unknown; message?: unknown }) => {
    if (typeof item?.group !== "string" || typeof item.message !== "object" || item.message === null) {
      throw new WireFormatError("each message needs `group` and `message`");
    }
    return { group: item.group, message: decodeMessage(item.message as Record<string, unknown>) };
  });
  return { from: raw.from, messages };
}
