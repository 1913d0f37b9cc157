/**
 * `hakobune up`'s main loop: claims the data directory, starts each service in table order and waits
 * for it to be healthy, keeps `up.json` current, and on SIGINT / SIGTERM / SIGHUP stops every service's
 * process group before removing `up.json` and returning. A second signal kills what is left at once.
 */
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { PortInUseError, ServiceFailedError } from "../errors.js";
import type { RestartPolicy } from "./restart-policy.js";
import { fileServiceLog, prefixedServiceLog, type ServiceLog } from "./service-log.js";
import { type RunnerNotice, type RunnerTimeouts, ServiceRunner } from "./service-runner.js";
import type { ServiceDefinition } from "./services.js";
import { claimStateFile, releaseStateFile, type UpState, writeUpState } from "./state-file.js";

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface PlannedService {
  definition: ServiceDefinition;
  port: number;
}

export interface UpOptions {
  /** Absolute data directory; each service gets `<dataDir>/<name>`. */
  dataDir: string;
  /** Write service logs to `<dataDir>/logs/<name>.log` instead of stdout. */
  quiet: boolean;
  /** The interface every service binds to. */
  host: string;
  /** Available services with their resolved ports, in start order. */
  services: PlannedService[];
  /** The `hakobune` entry point that services run as subcommands of. */
  cliEntry: string;
  policy: RestartPolicy;
  timeouts: RunnerTimeouts;
  out: Writable & { isTTY?: boolean; hasColors?: () => boolean };
}

/** Resolves when `port` on `host` can be listened on right now. */
async function assertPortFree(service: PlannedService, host: string): Promise<void> {
  const { definition, port } = service;
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
  if (!free) throw new PortInUseError(definition.name, port, definition.portFlag, definition.portEnvVar);
}

function describeExit(code: number | null, signal: string | null): string {
  if (signal !== null) return `signal ${signal}`;
  return code === null ? "did not start" : `code ${code}`;
}

/** Runs the platform until a shutdown signal; returns the exit status for `up`. */
export async function runUp(options: UpOptions): Promise<number> {
  const { dataDir, quiet, host, services, out } = options;
  mkdirSync(dataDir, { recursive: true });
  for (const service of services) await assertPortFree(service, host);
  const logsDir = join(dataDir, "logs");
  if (quiet) mkdirSync(logsDir, { recursive: true });

  const startedAt = new Date().toISOString();
  const nameWidth = Math.max(...services.map((service) => service.definition.name.length));
  const colour = out.isTTY === true && out.hasColors?.() === true;
  const say = (line: string) => out.write(`${line}\n`);
  // Once our stdout is gone (terminal closed, pipe reader exited) there is no one to tell; keep supervising.
  out.on("error", () => {});

  const logs: ServiceLog[] = [];
  const runners: ServiceRunner[] = [];
  const state = (): UpState => ({
    pid: process.pid,
    startedAt,
    services: runners.map((runner) => runner.snapshot()),
  });
  claimStateFile(dataDir, { pid: process.pid, startedAt, services: [] });

  let startupDone = false;
  let shuttingDown = false;
  let exitCode = 0;
  let resolveShutdown!: () => void;
  const shutdownRequested = new Promise<void>((resolve) => {
    resolveShutdown = resolve;
  });
  const requestShutdown = (reason: string) => {
    say(`${reason}: stopping Hakobune.`);
    shuttingDown = true;
    resolveShutdown();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (!shuttingDown) return requestShutdown(`${signal} received`);
    say(`${signal} again: killing every service now.`);
    for (const runner of runners) runner.killNow();
  };
  // Last resort if `up` itself dies unexpectedly: no service may outlive it.
  const onExit = () => {
    for (const runner of runners) runner.killNow();
    releaseStateFile(dataDir, process.pid);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  process.on("exit", onExit);

  services.forEach(({ definition, port }, index) => {
    const name = definition.name;
    const serviceDataDir = join(dataDir, name);
    mkdirSync(serviceDataDir, { recursive: true });
    const logFile = join(logsDir, `${name}.log`);
    const log = quiet
      ? fileServiceLog(logFile)
      : prefixedServiceLog(name, { width: nameWidth, colourIndex: colour ? index : null }, out);
    logs.push(log);
    const logHint = quiet ? `its log is ${logFile}` : "its log is above";
    const url = `http://${host}:${port}`;
    const runner: ServiceRunner = new ServiceRunner({
      name,
      url,
      healthUrl: `${url}${definition.healthPath}`,
      command: definition.spawn({ port, host, serviceDataDir, dataDir, cliEntry: options.cliEntry }),
      log,
      policy: options.policy,
      timeouts: options.timeouts,
      onNotice: (notice: RunnerNotice) => {
        switch (notice.kind) {
          case "changed":
            writeUpState(dataDir, state());
            return;
          case "ready":
            say(`ready  ${name.padEnd(nameWidth)}  ${url}  pid ${notice.pid}`);
            return;
          case "failure":
            say(`${name} exited (${describeExit(notice.code, notice.signal)}); restarting in ${notice.restartInMs} ms.`);
            return;
          case "give-up":
            say(
              `${name} failed ${notice.consecutiveQuickFailures} times in a row (last: ${describeExit(notice.code, notice.signal)}); giving up on it, ${logHint}.`,
            );
            // With every service given up there is nothing left to supervise.
            if (startupDone && !shuttingDown && runners.every((each) => each.phase === "gave-up")) {
              exitCode = 1;
              requestShutdown("Every service has been given up on");
            }
            return;
          case "spawn-error":
            say(`${name} could not be spawned: ${notice.message}.`);
            return;
          case "stop-survived":
            say(`${name}'s process group ${notice.pid} survived SIGKILL; check it with "ps -g ${notice.pid}".`);
            return;
          case "stopped":
            return;
        }
      },
    });
    runners.push(runner);
  });
  writeUpState(dataDir, state());

  let failure: ServiceFailedError | null = null;
  for (const runner of runners) {
    if (shuttingDown) break;
    const ready = await runner.start();
    if (!ready && !shuttingDown) {
      const logHint = quiet ? `see ${join(logsDir, `${runner.name}.log`)}` : "see its log above";
      failure = new ServiceFailedError(runner.name, logHint);
      break;
    }
  }
  startupDone = true;
  if (failure === null && !shuttingDown) {
    say(`Hakobune is up with ${runners.length} service(s) on ${dataDir}; press Ctrl-C to stop.`);
    await shutdownRequested;
  }
  shuttingDown = true;

  await Promise.all(runners.map((runner) => runner.stop()));
  await Promise.all(logs.map((log) => log.close()));
  releaseStateFile(dataDir, process.pid);
  for (const signal of SHUTDOWN_SIGNALS) process.off(signal, onSignal);
  process.off("exit", onExit);
  if (failure !== null) throw failure;
  say("Hakobune stopped.");
  return exitCode;
}
