#!/usr/bin/env node
// The `hakobune` command: a tracked, executable entry point for the compiled CLI in dist/.
import "../dist/main.js";
