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
import type { ServiceDefinition, SpawnContext } from "./services.js";
import { claimStateFile, releaseStateFile, type UpState, writeUpState } from "./state-file.js";

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface PlannedService {
  definition: ServiceDefinition;
  port: number;
}

export interface UpOptions {
  /** Absolute data directory; each service gets `<dataDir>/<name>`. */
  dataDir: string;
  /** Write service logs to `<dataDir>/logs/<name>.log` instead of `out`. */
  quiet: boolean;
  /** The interface every service binds to. */
  host: string;
  /** Available services with their resolved ports, in start order. */
  services: PlannedService[];
  /** The `hakobune` entry point that services run as subcommands of. */
  cliEntry: string;
  policy: RestartPolicy;
  timeouts: RunnerTimeouts;
  /** Where `up` reports, and where service logs go unless `quiet`. */
  out: Writable & { isTTY?: boolean; hasColors?: () => boolean };
  /** Told each time a service becomes healthy (also after a restart). */
  onServiceReady?: (name: string, url: string) => void;
}

/** Runs the platform until a shutdown signal; returns the exit status for `up`. */
export async function runUp(options: UpOptions): Promise<number> {
  mkdirSync(options.dataDir, { recursive: true });
  const startedAt = new Date().toISOString();
  claimStateFile(options.dataDir, { pid: process.pid, startedAt, services: [] });
  try {
    for (const service of options.services) await assertPortFree(service, options.host);
    return await new Supervisor(options, startedAt).run();
  } finally {
    releaseStateFile(options.dataDir, process.pid);
  }
}

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
  return code === null ? "it did not start" : `code ${code}`;
}

class Supervisor {
  readonly #options: UpOptions;
  readonly #startedAt: string;
  readonly #logsDir: string;
  readonly #nameWidth: number;
  readonly #runners: ServiceRunner[] = [];
  /** What each runner was spawned with, by the same index: `prepare` gets the same context. */
  readonly #spawnContexts: SpawnContext[] = [];
  readonly #logs: ServiceLog[] = [];
  #startupDone = false;
  #shuttingDown = false;
  #exitCode = 0;
  #requestShutdownNow: () => void = () => {};
  readonly #shutdownRequested = new Promise<void>((resolve) => {
    this.#requestShutdownNow = resolve;
  });
  readonly #onSignal = (signal: NodeJS.Signals) => {
    if (!this.#shuttingDown) return this.#requestShutdown(`${signal} received`);
    this.#say(`${signal} again: killing every service now.`);
    for (const runner of this.#runners) runner.killNow();
  };
  /** Last resort if `up` itself exits unexpectedly: no service may outlive it. */
  readonly #onExit = () => {
    for (const runner of this.#runners) runner.killNow();
    releaseStateFile(this.#options.dataDir, process.pid);
  };
  /** A bug in `up` must not leave services running unsupervised. */
  readonly #onFatal = (error: unknown) => {
    process.stderr.write(
      `hakobune up crashed, so every service is killed: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    process.exit(1);
  };

  constructor(options: UpOptions, startedAt: string) {
    this.#options = options;
    this.#startedAt = startedAt;
    this.#logsDir = join(options.dataDir, "logs");
    this.#nameWidth = Math.max(...options.services.map((service) => service.definition.name.length));
    if (options.quiet) mkdirSync(this.#logsDir, { recursive: true });
    const colour = options.out.isTTY === true && options.out.hasColors?.() === true;
    options.services.forEach((service, index) => {
      this.#runners.push(this.#createRunner(service, colour ? index : null));
    });
  }

  async run(): Promise<number> {
    // Once our stdout is gone (terminal closed, pipe reader exited) there is no one to tell; keep supervising.
    this.#options.out.on("error", () => {});
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, this.#onSignal);
    process.on("exit", this.#onExit);
    process.on("uncaughtException", this.#onFatal);
    process.on("unhandledRejection", this.#onFatal);
    try {
      this.#writeState();
      const failure = await this.#startInOrder();
      this.#startupDone = true;
      if (failure === null && !this.#shuttingDown) {
        this.#say(
          `Hakobune is up with ${this.#runners.length} service(s) on ${this.#options.dataDir}; press Ctrl-C to stop.`,
        );
        await this.#shutdownRequested;
      }
      this.#shuttingDown = true;
      // Reverse start order: a service stops while the ones it depends on (storage last) still serve it.
      for (const runner of [...this.#runners].reverse()) await runner.stop();
      await Promise.all(this.#logs.map((log) => log.close()));
      if (failure !== null) throw failure;
      this.#say("Hakobune stopped.");
      return this.#exitCode;
    } finally {
      for (const signal of SHUTDOWN_SIGNALS) process.off(signal, this.#onSignal);
      process.off("exit", this.#onExit);
      process.off("uncaughtException", this.#onFatal);
      process.off("unhandledRejection", this.#onFatal);
    }
  }

  /** Starts services one after another; returns the error for the first that never became healthy. */
  async #startInOrder(): Promise<ServiceFailedError | null> {
    for (const [index, runner] of this.#runners.entries()) {
      if (this.#shuttingDown) return null;
      const { definition } = this.#options.services[index]!;
      await definition.prepare?.(this.#spawnContexts[index]!);
      // A shutdown request during start-up must not wait for a service that is still backing off.
      const ready = await Promise.race([runner.start(), this.#shutdownRequested.then(() => false)]);
      if (!ready && !this.#shuttingDown)
        return new ServiceFailedError(runner.name, this.#logHint(runner.name));
    }
    return null;
  }

  /** Every planned service's URL by name, so a service can be pointed at the ones it depends on. */
  #serviceUrls(): Record<string, string> {
    const { host, services } = this.#options;
    return Object.fromEntries(
      services.map(({ definition, port }) => [definition.name, `http://${host}:${port}`]),
    );
  }

  #createRunner({ definition, port }: PlannedService, colourIndex: number | null): ServiceRunner {
    const { dataDir, host, quiet, out } = this.#options;
    const name = definition.name;
    const serviceDataDir = join(dataDir, name);
    mkdirSync(serviceDataDir, { recursive: true });
    const log = quiet
      ? fileServiceLog(this.#logFile(name))
      : prefixedServiceLog(name, { width: this.#nameWidth, colourIndex }, out);
    this.#logs.push(log);
    const url = `http://${host}:${port}`;
    const context: SpawnContext = {
      port,
      host,
      serviceDataDir,
      dataDir,
      cliEntry: this.#options.cliEntry,
      serviceUrls: this.#serviceUrls(),
    };
    this.#spawnContexts.push(context);
    return new ServiceRunner({
      name,
      url,
      healthUrl: `${url}${definition.healthPath}`,
      command: definition.spawn(context),
      log,
      policy: this.#options.policy,
      timeouts: this.#options.timeouts,
      onNotice: (notice) => this.#onNotice(name, url, notice),
    });
  }

  #onNotice(name: string, url: string, notice: RunnerNotice): void {
    switch (notice.kind) {
      case "changed":
        this.#writeState();
        return;
      case "ready":
        this.#say(`ready  ${name.padEnd(this.#nameWidth)}  ${url}  pid ${notice.pid}`);
        this.#options.onServiceReady?.(name, url);
        return;
      case "failure":
        this.#say(
          `${name} exited (${describeExit(notice.code, notice.signal)}); restarting in ${notice.restartInMs} ms.`,
        );
        return;
      case "give-up":
        this.#say(
          `${name} failed ${notice.consecutiveQuickFailures} times in a row (last: ${describeExit(notice.code, notice.signal)}); giving up on it, ${this.#logHint(name)}.`,
        );
        // With every service given up there is nothing left to supervise.
        if (
          this.#startupDone &&
          !this.#shuttingDown &&
          this.#runners.every((each) => each.phase === "gave-up")
        ) {
          this.#exitCode = 1;
          this.#requestShutdown("Every service has been given up on");
        }
        return;
      case "spawn-error":
        this.#say(`${name} could not be spawned: ${notice.message}.`);
        return;
      case "stop-survived":
        this.#say(
          `${name}'s process group ${notice.pid} survived SIGKILL; inspect it with "ps -g ${notice.pid}".`,
        );
        return;
      case "stopped":
        return;
    }
  }

  #requestShutdown(reason: string): void {
    this.#say(`${reason}: stopping Hakobune.`);
    this.#shuttingDown = true;
    this.#requestShutdownNow();
  }

  #writeState(): void {
    const state: UpState = {
      pid: process.pid,
      startedAt: this.#startedAt,
      services: this.#runners.map((runner) => runner.snapshot()),
    };
    writeUpState(this.#options.dataDir, state);
  }

  #logFile(name: string): string {
    return join(this.#logsDir, `${name}.log`);
  }

  #logHint(name: string): string {
    return this.#options.quiet ? `see ${this.#logFile(name)}` : "see its log above";
  }

  #say(line: string): void {
    this.#options.out.write(`${line}\n`);
  }
}
