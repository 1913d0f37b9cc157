/** The alert receiver through its real port: Alertmanager webhook payloads in, the alert list out. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidOptionError,
  type RunningAlertReceiver,
  startAlertReceiver,
  type WebhookPayload,
} from "../src/index.js";

const maxAlerts = 3;
const bodyLimitBytes = 16 * 1024;
let receiver: RunningAlertReceiver;

beforeAll(async () => {
  receiver = await startAlertReceiver({ port: 0, maxAlerts, bodyLimitBytes, logger: false });
});
afterAll(async () => {
  await receiver.close();
});

const noEnd = "0001-01-01T00:00:00Z";

function alert(name: string, fingerprint: string, status: "firing" | "resolved" = "firing") {
  return {
    status,
    labels: { alertname: name, service: "pantry", severity: "critical" },
    annotations: {
      summary: `${name} summary`,
      description: `${name} description`,
      runbook_url: `docs/runbooks/${name}.md`,
    },
    startsAt: "2026-01-01T00:00:00Z",
    endsAt: status === "firing" ? noEnd : "2026-01-01T00:05:00Z",
    generatorURL: "http://127.0.0.1:9090/graph",
    fingerprint,
  };
}

function payload(alerts: ReturnType<typeof alert>[]): WebhookPayload {
  return {
    version: "4",
    groupKey: '{}:{alertname="X"}',
    truncatedAlerts: 0,
    status: alerts.some((item) => item.status === "firing") ? "firing" : "resolved",
    receiver: "hakobune-alert-receiver",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://127.0.0.1:9093",
    alerts,
  };
}

function post(body: unknown) {
  return fetch(receiver.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function listAlerts(query = "") {
  const response = await fetch(`${receiver.webhookUrl}${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    firing: number;
    resolved: number;
    alerts: { alertname: string; status: string; runbookUrl: string | null; endsAt: string | null }[];
  };
}

describe("alert receiver", () => {
  it("records firing alerts with their runbook and lists them", async () => {
    const response = await post(payload([alert("TargetDown", "aaa")]));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1 });

    const list = await listAlerts();
    expect(list.firing).toBe(1);
    expect(list.alerts[0]).toMatchObject({
      fingerprint: "aaa",
      alertname: "TargetDown",
      status: "firing",
      severity: "critical",
      service: "pantry",
      summary: "TargetDown summary",
      runbookUrl: "docs/runbooks/TargetDown.md",
      endsAt: null,
    });
  });

  it("replaces an alert's state when it resolves, and filters by status", async () => {
    await post(payload([alert("TargetDown", "aaa", "resolved")]));
    const list = await listAlerts();
    expect(list.alerts.filter((item) => item.alertname === "TargetDown")).toHaveLength(1);
    expect(list.alerts[0]).toMatchObject({ status: "resolved", endsAt: "2026-01-01T00:05:00Z" });
    expect((await listAlerts("?status=firing")).alerts.map((item) => item.alertname)).not.toContain(
      "TargetDown",
    );
    expect((await listAlerts("?status=resolved")).alerts.map((item) => item.alertname)).toContain(
      "TargetDown",
    );
  });

  it("keeps at most maxAlerts, forgetting the one updated longest ago", async () => {
    await post(payload([alert("A", "f1"), alert("B", "f2"), alert("C", "f3"), alert("D", "f4")]));
    const names = (await listAlerts()).alerts.map((item) => item.alertname);
    expect(names).toEqual(["D", "C", "B"]);
    expect(receiver.alerts()).toHaveLength(maxAlerts);
  });

  it("counts what it received in its metrics", async () => {
    const text = await (await fetch(`${receiver.url}/metrics`)).text();
    expect(text).toMatch(
      /alert_receiver_alerts_received_total\{status="firing",service="alert-receiver"\} 5/,
    );
    expect(text).toMatch(/alert_receiver_alerts_stored\{service="alert-receiver"\} 3/);
  });

  it("rejects payloads that are not Alertmanager's version 4, and records nothing from them", async () => {
    const before = JSON.stringify(receiver.alerts());
    const valid = payload([alert("E", "f5")]);
    const bad: unknown[] = [
      { ...valid, version: "3" },
      { ...valid, alerts: "none" },
      { ...valid, alerts: [{ ...alert("E", "f5"), status: "pending" }] },
      { ...valid, alerts: [{ ...alert("E", "f5"), fingerprint: "" }] },
      { ...valid, alerts: [{ ...alert("E", "f5"), labels: { service: "pantry" } }] },
      { ...valid, alerts: [{ ...alert("E", "f5"), labels: { alertname: { name: "E" } } }] },
      (({ alerts: _alerts, ...rest }) => rest)(valid),
      [],
    ];
    for (const body of bad) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
    }
    const malformed = await post("{not json");
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("MALFORMED_JSON");
    expect(JSON.stringify(receiver.alerts())).toBe(before);
  });

  it("rejects a body over its limit with 413", async () => {
    const huge = payload([{ ...alert("Big", "big"), generatorURL: "x".repeat(bodyLimitBytes) }]);
    const response = await post(huge);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BODY_TOO_LARGE");
  });

  it("rejects an unknown status filter", async () => {
    const response = await fetch(`${receiver.webhookUrl}?status=pending`);
    expect(response.status).toBe(400);
  });

  it("refuses a maxAlerts out of range", async () => {
    await expect(startAlertReceiver({ port: 0, maxAlerts: 0, logger: false })).rejects.toThrow(
      InvalidOptionError,
    );
  });
});
