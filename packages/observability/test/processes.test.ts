/** Starting the real binaries fails loudly: a bad configuration, a process that never becomes ready. */
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessStartError, startAlertmanager, startPrometheus } from "../src/index.js";
import { startManagedProcess } from "../src/process/managed-process.js";
import { freePort, temporaryDirectory } from "./support/tools.js";

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await temporaryDirectory("processes"));
});
afterAll(async () => {
  await remove();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("starting Prometheus and Alertmanager", () => {
  it("reports Prometheus's own complaint when its configuration is bad", async () => {
    await writeFile(join(dir, "prometheus.yml"), "scrape_configs: [{ job_name: 7, nonsense: true }]\n");
    const start = startPrometheus({ dir, dataDir: join(dir, "prometheus-data"), port: await freePort() });
    await expect(start).rejects.toThrow(ProcessStartError);
    await expect(start).rejects.toThrow(/prometheus exited with code \d+ before it was ready[\s\S]*nonsense/);
  });

  it("reports Alertmanager's complaint when its webhook URL is unusable", async () => {
    const start = startAlertmanager({
      dir,
      dataDir: join(dir, "alertmanager-data"),
      port: await freePort(),
      webhookUrl: "http://127.0.0.1:9095/alerts",
      binary: "/nonexistent/alertmanager",
    });
    await expect(start).rejects.toThrow(/alertmanager could not be started/);
  });

  it("refuses a port another process listens on", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const { port } = squatter.address() as { port: number };
    try {
      await expect(startPrometheus({ dir, dataDir: join(dir, "prometheus-data"), port })).rejects.toThrow(
        `prometheus cannot listen on 127.0.0.1:${port}: the port is in use`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("stops a process that never becomes ready, and says so", async () => {
    let failure: ProcessStartError | undefined;
    const start = startManagedProcess({
      name: "sleeper",
      command: process.execPath,
      args: ["-e", "setInterval(() => {}, 1000)"],
      url: `http://127.0.0.1:${await freePort()}`,
      readyPath: "/-/ready",
      logFile: join(dir, "sleeper.log"),
      readyTimeoutMs: 500,
      stopTimeoutMs: 2_000,
    }).catch((error: unknown) => {
      if (error instanceof ProcessStartError) failure = error;
      throw error;
    });
    await expect(start).rejects.toThrow(/sleeper was not ready at http:\/\/127\.0\.0\.1:\d+ within 500 ms/);
    expect(failure?.pid).toBeGreaterThan(0);
    expect(isAlive(failure!.pid!)).toBe(false);
  });
});
