/** Pantry's process entry: `node packages/pantry/dist/main.js`, configured by environment variables. */
import { runService } from "@hakobune/service-kit";
import { createPantry } from "./app.js";
import { loadPantryConfig } from "./config/pantry-config.js";

await runService(async () => {
  const config = loadPantryConfig(process.env);
  const { service } = await createPantry(config);
  return { service, port: config.port, host: config.host, drainTimeoutMs: config.drainTimeoutMs };
});
