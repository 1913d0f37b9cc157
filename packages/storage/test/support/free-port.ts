/**
 * Finds a TCP port that is free on the loopback interface, by letting the kernel choose one for a
 * listener on port 0 and closing it again. The small window before the caller binds it is acceptable
 * for tests.
 */
import { createServer } from "node:net";

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("listener on port 0 reported no TCP address"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
