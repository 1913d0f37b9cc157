#!/usr/bin/env node
/** The `hakobune` executable. */
import { runCli } from "./cli.js";

const exitCode = await runCli(process.argv.slice(2), process.env);
// Exit explicitly: a finished command must not linger on an idle keep-alive socket or timer.
process.exit(exitCode);
