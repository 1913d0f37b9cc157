/**
 * End to end with the real binaries: a service-kit service, Prometheus scraping it through file-based
 * discovery, Alertmanager, and the alert receiver run from `dist/main.js`. The service is killed; the
 * TargetDown alert fires, passes through Alertmanager and arrives at the receiver with its runbook URL,
 * and the runbook exists. Build first (`tsc -b`): the receiver runs from `dist/`.
 */
import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ManagedProcess,
  ReloadFailedError,
  type RunningPrometheus,
  startAlertmanager,
  startPrometheus,
  writeAlertRules,
  writePrometheusConfig,
  writeScrapeTargets,
} from "../src/index.js";
import { type NodeProcess, startNodeProcess } from "./support/node-process.js";
import { freePort, temporaryDirectory } from "./support/tools.js";

const repositoryRoot = new URL("../../../", import.meta.url);
/** Longest wait for each step (first scrape, the alert arriving), in milliseconds. */
const stepTimeoutMs = 60_000;
/** Pause between polls, in milliseconds. */
const pollIntervalMs = 250;

let dir: string;
let remove: () => Promise<void>;
let service: NodeProcess;
let receiver: NodeProcess;
let prometheus: RunningPrometheus | undefined;
let alertmanager: ManagedProcess | undefined;

/** Polls `probe` until it returns a value, failing after `stepTimeoutMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + stepTimeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(pollIntervalMs);
  }
  throw new Error(`timed out waiting for ${what}${lastError === undefined ? "" : `: ${String(lastError)}`}`);
}

async function promQuery(
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { status: string; data: { result: [] } };
  if (body.status !== "success") throw new Error(`query ${query} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

beforeAll(async () => {
  ({ dir, remove } = await temporaryDirectory("end-to-end"));
  service = await startNodeProcess(new URL("./fixtures/hello-service.mjs", import.meta.url), {
    HELLO_PORT: "0",
    LOG_LEVEL: "info",
  });
  receiver = await startNodeProcess(new URL("../dist/main.js", import.meta.url), {
    ALERT_RECEIVER_PORT: "0",
    LOG_LEVEL: "info",
  });
  const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];

  const ruleFile = await writeAlertRules(dir, { evaluationIntervalSeconds: 1, forSecondsOverride: 2 });
  await writeScrapeTargets(dir, [{ service: "hello", url: service.url }]);
  await writePrometheusConfig({
    dir,
    scrapeIntervalSeconds: 1,
    evaluationIntervalSeconds: 1,
    alertmanagerUrl: `http://127.0.0.1:${alertmanagerPort}`,
    ruleFiles: [ruleFile],
  });
  alertmanager = await startAlertmanager({
    dir,
    dataDir: join(dir, "alertmanager-data"),
    port: alertmanagerPort,
    webhookUrl: `${receiver.url}/alerts`,
    groupWaitSeconds: 1,
    groupIntervalSeconds: 1,
    repeatIntervalSeconds: 60,
  });
  prometheus = await startPrometheus({ dir, dataDir: join(dir, "prometheus-data"), port: prometheusPort });
}, 120_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), alertmanager?.stop(), service?.kill(), receiver?.kill("SIGTERM")]);
  await remove();
}, 60_000);

describe("Prometheus, Alertmanager and the alert receiver", () => {
  it(
    "scrape a service, and tell the receiver with a runbook when it dies",
    async () => {
      const up = await eventually("Prometheus to scrape the service", async () => {
        const result = await promQuery('up{service="hello"}');
        return result.find((sample) => sample.value[1] === "1");
      });
      expect(up.metric).toMatchObject({ job: "hakobune", service: "hello" });
      expect(up.metric.instance).toBe(new URL(service.url).host);

      // The service's own series keep its `service` label (no `exported_service`).
      const requests = await eventually("the service's own series", async () => {
        const result = await promQuery('http_requests_total{service="hello", route="/metrics"}');
        return result[0];
      });
      expect(requests.metric.exported_service).toBeUndefined();

      expect(receiver.child.exitCode).toBeNull();
      await service.kill("SIGKILL");

      const alert = await eventually("TargetDown to reach the receiver", async () => {
        const response = await fetch(`${receiver.url}/alerts?status=firing`);
        const body = (await response.json()) as {
          alerts: {
            alertname: string;
            service: string | null;
            runbookUrl: string | null;
            labels: Record<string, string>;
          }[];
        };
        return body.alerts.find((item) => item.alertname === "TargetDown" && item.service === "hello");
      });
      expect(alert.labels).toMatchObject({ severity: "critical", job: "hakobune" });
      expect(alert.runbookUrl).toBe("docs/runbooks/TargetDown.md");
      await access(new URL(alert.runbookUrl!, repositoryRoot));

      const managed = (await (await fetch(`${alertmanager!.url}/api/v2/alerts`)).json()) as {
        labels: Record<string, string>;
      }[];
      expect(
        managed.some((item) => item.labels.alertname === "TargetDown" && item.labels.service === "hello"),
      ).toBe(true);
    },
    2 * stepTimeoutMs + 30_000,
  );

  it("reloads Prometheus's configuration, and says so when Prometheus refuses it", async () => {
    await prometheus!.reload();
    await writeFile(join(dir, "prometheus.yml"), "scrape_configs: [{ job_name: 7, nonsense: true }]\n");
    await expect(prometheus!.reload()).rejects.toThrow(ReloadFailedError);
    // The old configuration stays in force.
    expect((await promQuery('up{service="hello"}')).length).toBe(1);
  });
});
