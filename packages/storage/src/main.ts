#!/usr/bin/env node
/** Runs the storage service in the foreground: `node dist/main.js --port 8000 --data-dir DIR`. */
import { runStorageFromCommandLine, StorageUsageError } from "./api/run.js";

try {
  process.exitCode = await runStorageFromCommandLine(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof StorageUsageError) && !(error instanceof TypeError)) throw error;
  process.stderr.write(`storage: ${error.message}\n`);
  process.exitCode = 2;
}
