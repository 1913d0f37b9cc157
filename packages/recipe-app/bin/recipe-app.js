#!/usr/bin/env node
// The `recipe-app` command: a tracked, executable entry point for the compiled app in dist/.
import "../dist/main.js";
