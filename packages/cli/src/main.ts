#!/usr/bin/env node
console.log("hakobune");
