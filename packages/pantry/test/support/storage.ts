/** Our storage server as a child process on a free port, with its data in a temporary folder. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildService, startChildService } from "./child-service.js";
import { findFreePort } from "./free-port.js";

const storageMain = fileURLToPath(new URL("../../../storage/dist/main.js", import.meta.url));

export async function startStorage(): Promise<ChildService> {
  const port = await findFreePort();
  const dataDir = await mkdtemp(join(tmpdir(), "pantry-test-storage-"));
  const url = `http://127.0.0.1:${port}`;
  const service = await startChildService(
    "storage",
    [storageMain, "--port", String(port), "--data-dir", dataDir],
    {},
    url,
    "/",
  );
  return {
    ...service,
    async stop() {
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
