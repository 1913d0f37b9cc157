/** Pantry as a child process (its built `dist/main.js`) on a free port. */
import { fileURLToPath } from "node:url";
import { type ChildService, startChildService } from "./child-service.js";
import { findFreePort } from "./free-port.js";

const pantryMain = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export async function startPantry(env: Record<string, string>): Promise<ChildService> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  return startChildService("pantry", [pantryMain], { HAKOBUNE_PANTRY_PORT: String(port), ...env }, url);
}
