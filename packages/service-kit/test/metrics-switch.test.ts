/**
 * `createService({ metrics: false })` through the front door: the example service runs as its own process
 * with EXAMPLE_METRICS=false, and the tests check that `/metrics` is gone, that no RED or process metrics
 * are collected, and that the service's own registry still works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExampleService, startExampleService } from "./helpers/example-service.js";

let service: ExampleService;
let url: string;
const started: ExampleService[] = [];

beforeAll(async () => {
  ({ service, url } = await startExampleService({ EXAMPLE_METRICS: "false" }));
  started.push(service);
});

afterAll(async () => {
  await Promise.all(started.map((running) => running.stop()));
});

async function ownMetrics(): Promise<string> {
  const response = await fetch(`${url}/own-metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe("metrics: false", () => {
  it("answers GET /metrics with 404 NOT_FOUND in the kit's error shape", async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: { code: "NOT_FOUND", message: "No route serves GET /metrics." },
    });
  });

  it("collects no RED or process metrics, while the service's own metrics still count", async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/recipes/1`)).status).toBe(404);
    const created = await fetch(`${url}/recipes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Miso soup", minutes: 15 }),
    });
    expect(created.status).toBe(201);

    const exposition = await ownMetrics();
    expect(exposition).toContain('example_recipes_created_total{service="example"} 1');
    expect(exposition).not.toContain("http_request");
    expect(exposition).not.toContain("process_");
    expect(exposition).not.toContain("nodejs_");
  });

  it("keeps request ids and request logs", async () => {
    const response = await fetch(`${url}/healthz`, { headers: { "x-request-id": "no-metrics-1" } });
    expect(response.headers.get("x-request-id")).toBe("no-metrics-1");
    await service.waitForLog(
      (line) => line.requestId === "no-metrics-1" && line.msg === "request completed",
      "for the request without metrics",
    );
  });

  it("refuses an EXAMPLE_METRICS that is not a boolean, naming the variable", async () => {
    const refused = new ExampleService({ EXAMPLE_METRICS: "maybe" });
    started.push(refused);
    expect(await refused.exit()).toEqual({ code: 2, signal: null });
    expect(refused.stderr).toContain("EXAMPLE_METRICS must be");
    expect(refused.stderr).toContain('"maybe"');
  });
});
