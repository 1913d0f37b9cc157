/**
 * The kit through the front door: the example service runs as its own process on a real port, and the
 * tests talk HTTP to it and read its log lines.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExampleService, startExampleService } from "./helpers/example-service.js";

let service: ExampleService;
let url: string;

beforeAll(async () => {
  ({ service, url } = await startExampleService({ EXAMPLE_BODY_LIMIT_BYTES: "4096" }));
});

afterAll(async () => {
  await service?.stop();
});

async function post(path: string, body: string, contentType = "application/json"): Promise<Response> {
  return fetch(`${url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
}

async function expectError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(/\.$/);
  return body.error.message;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function samplesOf(exposition: string): Sample[] {
  return exposition
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (match === null) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[key as string] = value as string;
      }
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

function promtoolCheckMetrics(exposition: string): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({
        exitCode,
        output: `${stdout}${stderr}${error !== null && exitCode === -1 ? error.message : ""}`,
      });
    });
    child.stdin?.end(exposition);
  });
}

describe("health and readiness", () => {
  it("answers /healthz with 200 ok", async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz with 503 naming the failing check until it passes, then 200", async () => {
    const before = await fetch(`${url}/readyz`);
    const message = await expectError(before, 503, "NOT_READY");
    expect(message).toContain('"warm-up"');
    expect(message).toContain("still warming up");

    expect((await post("/warm-up", "{}")).status).toBe(200);

    const after = await fetch(`${url}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: "ok" });
  });
});

describe("errors in one JSON shape", () => {
  it("accepts a valid body", async () => {
    const response = await post("/recipes", JSON.stringify({ title: "Miso soup", minutes: 15 }));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ title: "Miso soup", minutes: 15 });
  });

  it("answers malformed JSON with 400 MALFORMED_JSON", async () => {
    await expectError(await post("/recipes", '{"title": "Miso'), 400, "MALFORMED_JSON");
  });

  it("answers an empty JSON body with 400 MALFORMED_JSON", async () => {
    await expectError(await post("/recipes", ""), 400, "MALFORMED_JSON");
  });

  it("answers an oversized body with 413 BODY_TOO_LARGE", async () => {
    const body = JSON.stringify({ title: "x".repeat(5000), minutes: 1 });
    const message = await expectError(await post("/recipes", body), 413, "BODY_TOO_LARGE");
    expect(message).toContain("4096 bytes");
  });

  it("answers a schema violation with 400 VALIDATION_FAILED naming the field", async () => {
    const wrongType = await expectError(
      await post("/recipes", JSON.stringify({ title: "Miso soup", minutes: "soon" })),
      400,
      "VALIDATION_FAILED",
    );
    expect(wrongType).toBe('Field "minutes" of the request body must be integer.');
    const missing = await expectError(
      await post("/recipes", JSON.stringify({ minutes: 3 })),
      400,
      "VALIDATION_FAILED",
    );
    expect(missing).toBe('Field "title" of the request body is required.');
    const query = await expectError(await fetch(`${url}/slow?ms=-1`), 400, "VALIDATION_FAILED");
    expect(query).toContain('"ms" of the query string');
  });

  it("answers an unsupported content type with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    await expectError(await post("/recipes", "<recipe/>", "application/xml"), 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers an unknown route with 404 NOT_FOUND", async () => {
    const message = await expectError(await fetch(`${url}/no/such/route?secret=1`), 404, "NOT_FOUND");
    expect(message).toBe("No route serves GET /no/such/route.");
  });

  it("passes a service's own error code and status through", async () => {
    await expectError(await fetch(`${url}/recipes/nope`), 404, "RECIPE_NOT_FOUND");
  });

  it("answers an unexpected error with 500 INTERNAL and keeps its details in the log", async () => {
    const response = await fetch(`${url}/boom`, { headers: { "x-request-id": "boom-1" } });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text).error.code).toBe("INTERNAL");
    expect(text).not.toContain("secret detail");
    expect(text).not.toMatch(/\bat \S+ \(/);
    const logged = await service.waitForLog(
      (line) => line.requestId === "boom-1" && line.msg === "request failed",
      "for the failed request",
    );
    expect(JSON.stringify(logged.err)).toContain("secret detail");
  });
});

describe("request ids and trace context", () => {
  it("echoes an acceptable x-request-id and logs it", async () => {
    const response = await fetch(`${url}/healthz`, { headers: { "x-request-id": "abc.DEF-1_2" } });
    expect(response.headers.get("x-request-id")).toBe("abc.DEF-1_2");
    await service.waitForLog(
      (line) => line.requestId === "abc.DEF-1_2" && line.msg === "request completed",
      "with the caller's request id",
    );
  });

  it("generates a request id when the caller sends none, a different one each time", async () => {
    const first = (await fetch(`${url}/healthz`)).headers.get("x-request-id");
    const second = (await fetch(`${url}/healthz`)).headers.get("x-request-id");
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });

  it.each([
    ["too long", "a".repeat(129)],
    ["with forbidden characters", "id with spaces<script>"],
  ])("replaces a request id that is %s", async (_case, offered) => {
    const response = await fetch(`${url}/healthz`, { headers: { "x-request-id": offered } });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a request id of exactly 128 characters", async () => {
    const offered = "r".repeat(128);
    const response = await fetch(`${url}/healthz`, { headers: { "x-request-id": offered } });
    expect(response.headers.get("x-request-id")).toBe(offered);
  });

  it("logs the trace id of a valid traceparent and exposes it for outgoing calls", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await fetch(`${url}/trace`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "traced-1" },
    });
    const body = (await response.json()) as {
      traceContext: { traceId: string; spanId: string };
      outgoing: { traceparent: string };
    };
    expect(body.traceContext.traceId).toBe(traceId);
    expect(body.outgoing.traceparent).toBe(`00-${traceId}-${body.traceContext.spanId}-01`);
    const logged = await service.waitForLog(
      (line) => line.requestId === "traced-1" && line.msg === "incoming request",
      "for the traced request",
    );
    expect(logged.traceId).toBe(traceId);
    expect(logged.spanId).toBe(body.traceContext.spanId);
  });

  it("treats a request without traceparent as untraced", async () => {
    const response = await fetch(`${url}/trace`, { headers: { "x-request-id": "no-trace-1" } });
    expect(await response.json()).toEqual({ traceContext: null, outgoing: {} });
    const logged = await service.waitForLog(
      (line) => line.requestId === "no-trace-1" && line.msg === "incoming request",
      "for the request without a trace",
    );
    expect(logged).not.toHaveProperty("traceId");
    expect(logged).not.toHaveProperty("spanId");
  });

  it("ignores an invalid traceparent", async () => {
    const response = await fetch(`${url}/trace`, {
      headers: { traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, "x-request-id": "untraced-1" },
    });
    expect(await response.json()).toEqual({ traceContext: null, outgoing: {} });
    const logged = await service.waitForLog(
      (line) => line.requestId === "untraced-1" && line.msg === "incoming request",
      "for the untraced request",
    );
    expect(logged).not.toHaveProperty("traceId");
  });
});

describe("metrics", () => {
  async function scrape(): Promise<{ exposition: string; samples: Sample[] }> {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const exposition = await response.text();
    return { exposition, samples: samplesOf(exposition) };
  }

  function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number {
    const sample = samples.find(
      (candidate) =>
        candidate.name === name &&
        Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
    );
    return sample?.value ?? 0;
  }

  it("exposes RED metrics by route pattern that promtool accepts", async () => {
    const before = (await scrape()).samples;
    expect((await fetch(`${url}/recipes/42`)).status).toBe(404);
    expect((await fetch(`${url}/recipes/43`)).status).toBe(404);
    expect((await fetch(`${url}/not/a/route/7`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await post("/recipes", JSON.stringify({ title: "Natto", minutes: 1 }))).status).toBe(201);
    const { exposition, samples } = await scrape();

    const check = await promtoolCheckMetrics(exposition);
    expect(check.output).toBe("");
    expect(check.exitCode).toBe(0);

    const increase = (name: string, labels: Record<string, string>) =>
      sampleValue(samples, name, labels) - sampleValue(before, name, labels);
    const recipe404 = { route: "/recipes/:id", method: "GET", status: "404", service: "example" };
    expect(increase("http_requests_total", recipe404)).toBe(2);
    expect(increase("http_request_duration_seconds_count", recipe404)).toBe(2);
    expect(increase("http_requests_total", { route: "unmatched", method: "GET", status: "404" })).toBe(1);
    expect(increase("http_requests_total", { route: "/healthz", method: "GET", status: "200" })).toBe(1);
    const routes = new Set(
      samples.filter((sample) => sample.name === "http_requests_total").map((sample) => sample.labels.route),
    );
    expect([...routes].filter((route) => /\d/.test(route ?? ""))).toEqual([]);
    expect(increase("example_recipes_created_total", { service: "example" })).toBe(1);
    const recipeCount = sampleValue(samples, "http_request_duration_seconds_count", recipe404);
    expect(sampleValue(samples, "http_request_duration_seconds_bucket", { ...recipe404, le: "+Inf" })).toBe(
      recipeCount,
    );
    expect(samples.some((sample) => sample.name === "process_cpu_seconds_total")).toBe(true);
    expect(samples.some((sample) => sample.name === "nodejs_heap_size_used_bytes")).toBe(true);
  });
});
