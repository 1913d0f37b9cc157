#!/usr/bin/env node
/**
 * Runs the auth-center in the foreground: reads the environment (see README), starts the service, prints
 * its URL (and the demo credentials when HAKOBUNE_AUTH_SEED_DEMO=1), and shuts down gracefully on SIGTERM.
 */
import { runService } from "@hakobune/service-kit";
import { buildAuthCenter } from "./app.js";
import { loadAuthCenterConfig } from "./config/auth-config.js";
import { demoAccount, seedDemoAccount } from "./seed/demo-seed.js";

let seedDemo = false;
let issuer = "";
const running = await runService(async () => {
  const config = loadAuthCenterConfig(process.env);
  issuer = config.issuer;
  const built = await buildAuthCenter(config);
  seedDemo = config.seedDemo;
  if (seedDemo) await seedDemoAccount(built.accounts);
  return {
    service: built.service,
    port: config.port,
    host: config.host,
    drainTimeoutMs: config.drainTimeoutMs,
  };
});
process.stdout.write(`auth-center: listening on ${running.url}, issuer ${issuer}\n`);
if (seedDemo) {
  process.stdout.write(`auth-center: demo account ${demoAccount.email} / password ${demoAccount.password}\n`);
}
