/**
 * Shared parsing for the cluster's command lines: `id=url` lists and bounded integers, each failure a
 * `StorageUsageError` with a sentence the caller prints before exiting 2.
 */
import { StorageUsageError } from "../api/run.js";

/** Parses `a=http://127.0.0.1:7001,b=http://…` into id → URL, in the given order. */
export function parseNodeList(text: string, flag: string): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const part of text.split(",")) {
    const separator = part.indexOf("=");
    const id = part.slice(0, separator).trim();
    const url = part
      .slice(separator + 1)
      .trim()
      .replace(/\/+$/, "");
    if (separator < 1 || !/^[A-Za-z0-9_-]+$/.test(id) || !/^https?:\/\/[^\s/]+$/.test(url)) {
      throw new StorageUsageError(
        `${flag} must be a list like a=http://10.0.0.1:7000,b=http://10.0.0.2:7000, got "${part}".`,
      );
    }
    if (nodes.has(id)) throw new StorageUsageError(`${flag} names node ${id} twice.`);
    nodes.set(id, url);
  }
  return nodes;
}

export function parseBoundedInteger(text: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new StorageUsageError(`${flag} must be an integer between ${min} and ${max}, got "${text}".`);
  }
  return Number(text);
}

/** Resolves once one of the stop signals arrives, with its name. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(name, () => resolve(name));
  });
}
