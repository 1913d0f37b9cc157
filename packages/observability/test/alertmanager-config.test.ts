/** `alertmanager.yml`, checked with the real amtool. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertmanagerConfig, InvalidOptionError, writeAlertmanagerConfig } from "../src/index.js";
import { runTool, temporaryDirectory } from "./support/tools.js";

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await temporaryDirectory("alertmanager-config"));
});
afterAll(async () => {
  await remove();
});

describe("alertmanager.yml", () => {
  it("passes amtool check-config and routes everything to our webhook, grouped by alert and service", async () => {
    const path = await writeAlertmanagerConfig(dir, { webhookUrl: "http://127.0.0.1:9095/alerts" });
    const check = await runTool("amtool", ["check-config", path]);
    expect(check.output).toContain("SUCCESS");
    expect(check.exitCode).toBe(0);

    const config = parse(await readFile(path, "utf8"));
    expect(config.route).toEqual({
      receiver: "hakobune-alert-receiver",
      group_by: ["alertname", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
    });
    expect(config.receivers).toEqual([
      {
        name: "hakobune-alert-receiver",
        webhook_configs: [{ url: "http://127.0.0.1:9095/alerts", send_resolved: true, max_alerts: 100 }],
      },
    ]);
  });

  it("takes short timings for tests, and amtool accepts them", async () => {
    const path = await writeAlertmanagerConfig(dir, {
      webhookUrl: "http://127.0.0.1:9095/alerts",
      groupWaitSeconds: 1,
      groupIntervalSeconds: 1,
      repeatIntervalSeconds: 60,
    });
    const check = await runTool("amtool", ["check-config", path]);
    expect(check.exitCode).toBe(0);
    expect(parse(await readFile(path, "utf8")).route).toMatchObject({
      group_wait: "1s",
      group_interval: "1s",
      repeat_interval: "1m",
    });
  });

  it("amtool rejects a broken configuration, so the check above can fail", async () => {
    const path = join(dir, "broken.yml");
    await writeFile(path, "route:\n  receiver: nobody\nreceivers: []\n");
    const check = await runTool("amtool", ["check-config", path]);
    expect(check.exitCode).not.toBe(0);
  });

  it("refuses bad webhook URLs and timings with InvalidOptionError", () => {
    expect(() => alertmanagerConfig({ webhookUrl: "not a url" })).toThrow(InvalidOptionError);
    expect(() => alertmanagerConfig({ webhookUrl: "ftp://127.0.0.1/alerts" })).toThrow(/http or https/);
    expect(() =>
      alertmanagerConfig({ webhookUrl: "http://127.0.0.1/alerts", groupIntervalSeconds: 0 }),
    ).toThrow(InvalidOptionError);
    expect(() => alertmanagerConfig({ webhookUrl: "http://127.0.0.1/alerts", groupWaitSeconds: -1 })).toThrow(
      InvalidOptionError,
    );
  });
});
