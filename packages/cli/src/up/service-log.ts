/**
 * Where a supervised service's stdout and stderr go: interleaved on `up`'s stdout, each line prefixed
 * with the service name (coloured on a terminal), or appended to `<data-dir>/logs/<service>.log` with
 * `--quiet`.
 */
import type { ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import type { Readable, Writable } from "node:stream";

/** A line longer than this is cut and printed in pieces, so one runaway line cannot grow memory. */
export const MAX_LINE_BYTES = 64 * 1024;

/** ANSI foreground colours, assigned to services in table order. */
const PREFIX_COLOURS = [36, 35, 33, 32, 34, 31] as const;

export interface ServiceLog {
  /** Routes a freshly spawned child's output here. */
  attach(child: ChildProcess): void;
  /** Flushes and releases the destination. */
  close(): Promise<void>;
}

export interface PrefixStyle {
  /** Names are padded to this width so the `|` columns line up. */
  width: number;
  /** Index into the colour palette, or `null` for no colour. */
  colourIndex: number | null;
}

/** The `storage | ` prefix, padded and optionally coloured. */
export function formatPrefix(name: string, style: PrefixStyle): string {
  const padded = name.padEnd(style.width);
  if (style.colourIndex === null) return `${padded} | `;
  const colour = PREFIX_COLOURS[style.colourIndex % PREFIX_COLOURS.length];
  return `\u001b[${colour}m${padded} |\u001b[0m `;
}

/** Splits a stream into lines and writes each with `prefix`; a final partial line is written at the end. */
function pipeLines(source: Readable, prefix: string, out: Writable): void {
  let pending = "";
  source.setEncoding("utf8");
  source.on("data", (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      out.write(`${prefix}${pending.slice(0, newline)}\n`);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
    if (Buffer.byteLength(pending) > MAX_LINE_BYTES) {
      out.write(`${prefix}${pending}\n`);
      pending = "";
    }
  });
  source.on("end", () => {
    if (pending !== "") out.write(`${prefix}${pending}\n`);
    pending = "";
  });
}

export function prefixedServiceLog(name: string, style: PrefixStyle, out: Writable): ServiceLog {
  const prefix = formatPrefix(name, style);
  return {
    attach(child) {
      if (child.stdout) pipeLines(child.stdout, prefix, out);
      if (child.stderr) pipeLines(child.stderr, prefix, out);
    },
    async close() {},
  };
}

export function fileServiceLog(path: string): ServiceLog {
  const file = createWriteStream(path, { flags: "a" });
  // A log that cannot be written must not take the supervisor down with it.
  file.on("error", (error) => process.stderr.write(`Cannot write ${path}: ${error.message}\n`));
  return {
    attach(child) {
      child.stdout?.pipe(file, { end: false });
      child.stderr?.pipe(file, { end: false });
    },
    close() {
      return new Promise((resolve) => file.end(resolve));
    },
  };
}
