/** `prometheus.yml` and the scrape targets file, checked with the real promtool; and finding the binaries. */
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  fileSdTargetGroups,
  findPrometheusBinaries,
  InvalidOptionError,
  InvalidScrapeTargetError,
  maxScrapeTargets,
  prometheusConfig,
  writeAlertRules,
  writePrometheusConfig,
  writeScrapeTargets,
} from "../src/index.js";
import { runTool, temporaryDirectory } from "./support/tools.js";

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await temporaryDirectory("prometheus-config"));
});
afterAll(async () => {
  await remove();
});

describe("prometheus.yml", () => {
  it("passes promtool check config with rule files, an Alertmanager and file-based discovery", async () => {
    const rules = await writeAlertRules(dir);
    const path = await writePrometheusConfig({
      dir,
      scrapeIntervalSeconds: 5,
      alertmanagerUrl: "http://127.0.0.1:9093",
      ruleFiles: [rules],
    });
    const check = await runTool("promtool", ["check", "config", path]);
    expect(check.output).toContain("SUCCESS");
    expect(check.exitCode).toBe(0);

    const config = parse(await readFile(path, "utf8"));
    expect(config.global).toEqual({ scrape_interval: "5s", scrape_timeout: "5s", evaluation_interval: "5s" });
    expect(config.rule_files).toEqual([rules]);
    expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["127.0.0.1:9093"]);
    const [job] = config.scrape_configs;
    expect(job.honor_labels).toBe(true);
    expect(job.file_sd_configs[0].files).toEqual([join(dir, "targets", "*.json")]);
  });

  it("leaves alerting out without an Alertmanager and keeps Prometheus's defaults", () => {
    const config = prometheusConfig({ dir });
    expect(config.alerting).toBeUndefined();
    expect(config.global).toEqual({
      scrape_interval: "15s",
      scrape_timeout: "10s",
      evaluation_interval: "15s",
    });
  });

  it("promtool rejects a rule file that does not exist, so the check above can fail", async () => {
    const path = await writePrometheusConfig({ dir, ruleFiles: [join(dir, "missing.yml")] });
    const check = await runTool("promtool", ["check", "config", path]);
    expect(check.exitCode).not.toBe(0);
  });

  it("refuses bad intervals and URLs with InvalidOptionError", () => {
    expect(() => prometheusConfig({ dir, scrapeIntervalSeconds: 0 })).toThrow(InvalidOptionError);
    expect(() => prometheusConfig({ dir, scrapeIntervalSeconds: 1.5 })).toThrow(/whole number of seconds/);
    expect(() => prometheusConfig({ dir, alertmanagerUrl: "localhost:9093" })).toThrow(InvalidOptionError);
    expect(() => prometheusConfig({ dir, alertmanagerUrl: "ftp://127.0.0.1:9093" })).toThrow(/http or https/);
  });
});

describe("scrape targets", () => {
  it("writes one labelled group per service, replacing the file without leaving temporary files", async () => {
    await writeScrapeTargets(dir, [
      { service: "storage", url: "http://127.0.0.1:8000" },
      { service: "pantry", url: "http://127.0.0.1:8082/" },
    ]);
    const path = await writeScrapeTargets(dir, [
      { service: "storage", url: "http://127.0.0.1:8000" },
      { service: "auth-center", url: "https://127.0.0.1:8081/base", metricsPath: "/internal/metrics" },
    ]);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual([
      {
        targets: ["127.0.0.1:8000"],
        labels: { service: "storage", __scheme__: "http", __metrics_path__: "/metrics" },
      },
      {
        targets: ["127.0.0.1:8081"],
        labels: { service: "auth-center", __scheme__: "https", __metrics_path__: "/internal/metrics" },
      },
    ]);
    expect(await readdir(join(dir, "targets"))).toEqual(["services.json"]);
  });

  it("puts the metrics path under the URL's own path", () => {
    const [group] = fileSdTargetGroups([{ service: "console", url: "http://127.0.0.1:8080/console/" }]);
    expect(group?.labels.__metrics_path__).toBe("/console/metrics");
  });

  it("writes an empty list when nothing runs", async () => {
    const path = await writeScrapeTargets(dir, []);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual([]);
  });

  it("refuses bad names, bad URLs, duplicates and too many targets, and leaves the file as it was", async () => {
    const path = await writeScrapeTargets(dir, [{ service: "storage", url: "http://127.0.0.1:8000" }]);
    const before = await readFile(path, "utf8");
    const bad = [
      [{ service: "Storage", url: "http://127.0.0.1:8000" }],
      [{ service: "", url: "http://127.0.0.1:8000" }],
      [{ service: "a".repeat(64), url: "http://127.0.0.1:8000" }],
      [{ service: 'x",evil="1', url: "http://127.0.0.1:8000" }],
      [{ service: "storage", url: "127.0.0.1:8000" }],
      [{ service: "storage", url: "file:///etc/passwd" }],
      [{ service: "storage", url: "http://127.0.0.1:8000/?debug=1" }],
      [{ service: "storage", url: "http://127.0.0.1:8000", metricsPath: "metrics" }],
      [
        { service: "storage", url: "http://127.0.0.1:8000" },
        { service: "storage-copy", url: "http://127.0.0.1:8000/" },
      ],
      Array.from({ length: maxScrapeTargets + 1 }, (_, index) => ({
        service: `s${index}`,
        url: `http://127.0.0.1:${1024 + index}`,
      })),
    ];
    for (const targets of bad) {
      await expect(writeScrapeTargets(dir, targets)).rejects.toThrow(InvalidScrapeTargetError);
    }
    expect(await readFile(path, "utf8")).toBe(before);
  });
});

describe("findPrometheusBinaries", () => {
  it("finds the installed Debian binaries", () => {
    const found = findPrometheusBinaries();
    expect(found.prometheus).toMatch(/prometheus$/);
    expect(found.promtool).toMatch(/promtool$/);
    expect(found.alertmanager).toMatch(/alertmanager$/);
    expect(found.amtool).toMatch(/amtool$/);
    expect(found.serversInstalled).toBe(true);
    expect(found.message).toBeNull();
  });

  it("says in one line what to install when nothing is found", () => {
    const found = findPrometheusBinaries({ searchPath: join(dir, "empty") });
    expect(found.serversInstalled).toBe(false);
    expect(found.prometheus).toBeNull();
    expect(found.message).not.toContain("\n");
    expect(found.message).toContain("sudo apt-get install prometheus prometheus-alertmanager");
  });

  it("names only the missing package when one is installed", async () => {
    const bin = join(dir, "bin");
    await mkdir(bin, { recursive: true });
    for (const name of ["prometheus", "promtool"]) {
      await writeFile(join(bin, name), "#!/bin/sh\n");
      await chmod(join(bin, name), 0o755);
    }
    await writeFile(join(bin, "amtool"), "not executable");
    const found = findPrometheusBinaries({ searchPath: bin });
    expect(found.prometheus).toBe(join(bin, "prometheus"));
    expect(found.amtool).toBeNull();
    expect(found.serversInstalled).toBe(false);
    expect(found.message).toContain("`sudo apt-get install prometheus-alertmanager`");
  });
});
