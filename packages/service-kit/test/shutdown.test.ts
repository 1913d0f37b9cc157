/**
 * Process lifecycle through the front door: graceful shutdown on signals, the drain timeout, and the exit
 * codes of a bad configuration. Each test runs its own example service process.
 */
import { Agent, get, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type ExampleService, startExampleService } from "./helpers/example-service.js";

/** Attempts to see the listener gone before the test gives up. */
const maxConnectAttempts = 400;
const connectRetryPauseMs = 25;

const started: ExampleService[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()));
});

async function start(env: Record<string, string> = {}) {
  const running = await startExampleService(env);
  started.push(running.service);
  return running;
}

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function request(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

async function waitUntilConnectionsAreRefused(port: number): Promise<void> {
  for (let attempt = 0; attempt < maxConnectAttempts; attempt++) {
    if (await connectionRefused(port)) return;
    await sleep(connectRetryPauseMs);
  }
  throw new Error(`port ${port} still accepted connections after ${maxConnectAttempts} attempts`);
}

function slowRequestStarted(service: ExampleService) {
  return service.waitForLog((line) => line.msg === "slow request started", "saying the slow request started");
}

describe("graceful shutdown", () => {
  it("on SIGTERM refuses new connections, finishes the request in flight, and exits 0", async () => {
    const { service, url, port } = await start({ EXAMPLE_DRAIN_TIMEOUT_MS: "60000" });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // A keep-alive connection left idle must not hold the shutdown open.
      const idle = await request(`${url}/healthz`, agent);
      expect(idle.status).toBe(200);
      const idleSocketClosed = new Promise<void>((resolve) => {
        const [socket] = Object.values(agent.freeSockets).flat();
        expect(socket).toBeDefined();
        socket?.once("close", () => resolve());
      });

      const inFlight = request(`${url}/slow?ms=60000`, new Agent({ keepAlive: true }));
      let settled = false;
      void inFlight.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      await slowRequestStarted(service);

      service.child.kill("SIGTERM");
      await service.waitForLog(
        (line) => line.msg?.startsWith("shutting down") === true,
        "saying it shuts down",
      );
      await waitUntilConnectionsAreRefused(port);
      await idleSocketClosed;
      expect(settled).toBe(false);

      service.child.stdin.write("release\n");
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ waitedUpToMs: 60000 });
      expect(answer.headers.connection).toBe("close");

      expect(await service.exit()).toEqual({ code: 0, signal: null });
      expect(service.lines.some((line) => line.msg === "shutdown complete")).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("on SIGINT with nothing in flight exits 0", async () => {
    const { service } = await start();
    service.child.kill("SIGINT");
    expect(await service.exit()).toEqual({ code: 0, signal: null });
  });

  it("cuts requests still running when the drain times out, and exits 1", async () => {
    const { service, url } = await start({ EXAMPLE_DRAIN_TIMEOUT_MS: "200" });
    const inFlight = request(`${url}/slow?ms=60000`, new Agent());
    const outcome = inFlight.then(
      () => "answered",
      (error: NodeJS.ErrnoException) => error.code,
    );
    await slowRequestStarted(service);

    service.child.kill("SIGTERM");

    expect(await service.exit()).toEqual({ code: 1, signal: null });
    expect(await outcome).toBe("ECONNRESET");
    expect(service.lines.some((line) => line.msg?.startsWith("drain timed out") === true)).toBe(true);
  });

  it("exits 1 without waiting for the drain on a second signal", async () => {
    const { service, url } = await start({ EXAMPLE_DRAIN_TIMEOUT_MS: "60000" });
    void request(`${url}/slow?ms=60000`, new Agent()).catch(() => undefined);
    await slowRequestStarted(service);

    service.child.kill("SIGTERM");
    await service.waitForLog(
      (line) => line.msg?.startsWith("shutting down") === true,
      "saying it shuts down",
    );
    service.child.kill("SIGTERM");

    expect(await service.exit()).toEqual({ code: 1, signal: null });
  });
});

describe("configuration errors", () => {
  it.each([
    ["EXAMPLE_PORT", "abc", 'EXAMPLE_PORT must be an integer between 0 and 65535, got "abc"'],
    ["EXAMPLE_PORT", "70000", 'EXAMPLE_PORT must be an integer between 0 and 65535, got "70000"'],
    ["LOG_LEVEL", "loud", "LOG_LEVEL must be one of"],
    ["EXAMPLE_DRAIN_TIMEOUT_MS", "soon", "EXAMPLE_DRAIN_TIMEOUT_MS must be an integer between 0 and"],
  ])("%s=%s exits 2 with one sentence naming the variable", async (variable, value, sentence) => {
    const { ExampleService } = await import("./helpers/example-service.js");
    const service = new ExampleService({ [variable]: value });
    started.push(service);
    expect(await service.exit()).toEqual({ code: 2, signal: null });
    const lines = service.stderr.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(sentence);
    expect(lines[0]).toContain(JSON.stringify(value));
    expect(service.stderr).not.toMatch(/\n\s+at /);
    expect(service.lines).toEqual([]);
  });

  it("exits 1 with one sentence when the port is taken", async () => {
    const { port } = await start();
    const { ExampleService } = await import("./helpers/example-service.js");
    const second = new ExampleService({ EXAMPLE_PORT: String(port) });
    started.push(second);
    expect(await second.exit()).toEqual({ code: 1, signal: null });
    expect(second.stderr).toMatch(/^example cannot start: .*EADDRINUSE.*\n$/);
  });
});
