#!/usr/bin/env node
/**
 * Runs the storage service in the foreground:
 * `node dist/main.js --port 8000 --data-dir .hakobune/storage [--host 127.0.0.1]`.
 * Flags win over the environment (HAKOBUNE_STORAGE_PORT, HAKOBUNE_STORAGE_HOST, HAKOBUNE_STORAGE_DATA_DIR,
 * HAKOBUNE_STORAGE_ACCESS_KEY_ID, HAKOBUNE_STORAGE_SECRET_ACCESS_KEY), which win over the defaults.
 */
import { runStorageFromCommandLine } from "./api/run.js";

await runStorageFromCommandLine(process.argv.slice(2), process.env);
