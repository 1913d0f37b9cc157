#!/usr/bin/env node
/** The `recipe-app` command. */
import { runRecipeApp } from "./cli.js";
import { processOutput } from "./commands/output.js";

/** Largest standard input read (for `--file -`), in bytes. */
const maxStdinBytes = 1024 * 1024;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > maxStdinBytes) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

process.exitCode = await runRecipeApp(process.argv.slice(2), {
  env: process.env,
  output: processOutput(),
  stdin: readStdin,
});
