/**
 * The entry point of a service process. Runs the service's set-up (loading its configuration, building
 * its app), starts it, and stops it gracefully on SIGTERM or SIGINT. Exit codes: 0 after a clean drain,
 * 1 when the drain timed out (or a second signal cut it short, or the port could not be had), 2 when the
 * configuration is bad, with one sentence on standard error naming the variable.
 */
import { writeSync } from "node:fs";
import { ConfigError } from "../errors.js";
import type { Service } from "../service.js";
import { type RunningService, type StartOptions, startService } from "./start-service.js";

export const exitCodes = { clean: 0, failed: 1, badConfiguration: 2 } as const;

export interface ServiceStartup extends StartOptions {
  service: Service;
}

/** Errors of `listen` that mean the address cannot be had, as opposed to a bug. */
const unusableAddressCodes = new Set(["EADDRINUSE", "EADDRNOTAVAIL", "EACCES"]);

/**
 * ```ts
 * await runService(() => {
 *   const config = loadConfig(serviceVars("PANTRY", { port: 8082 }), process.env);
 *   const service = createService({ name: "pantry", logLevel: config.logLevel });
 *   return { service, ...config };
 * });
 * ```
 */
export async function runService(
  setUp: () => ServiceStartup | Promise<ServiceStartup>,
): Promise<RunningService> {
  // Listening before the handlers exist would let an early signal kill the process outright.
  const stop = new SignalHandlers();
  let startup: ServiceStartup;
  try {
    startup = await setUp();
  } catch (error) {
    if (error instanceof ConfigError) exitWithSentence(error.message, exitCodes.badConfiguration);
    throw error;
  }
  const { service } = startup;
  let running: RunningService;
  try {
    running = await startService(service, startup);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && unusableAddressCodes.has(code)) {
      exitWithSentence(`${service.name} cannot start: ${(error as Error).message}`, exitCodes.failed);
    }
    throw error;
  }
  stop.attach(service, running);
  return running;
}

/**
 * SIGTERM and SIGINT start a graceful shutdown and exit with its outcome; a second signal exits at once.
 * A signal that arrives while the service is still starting takes effect as soon as it listens.
 */
class SignalHandlers {
  #target: { service: Service; running: RunningService } | undefined;
  #pendingSignal: NodeJS.Signals | undefined;
  #stopping = false;

  constructor() {
    process.on("SIGTERM", this.#onSignal);
    process.on("SIGINT", this.#onSignal);
  }

  attach(service: Service, running: RunningService): void {
    this.#target = { service, running };
    if (this.#pendingSignal !== undefined) this.#stop(this.#pendingSignal);
  }

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.#target === undefined) {
      this.#pendingSignal = signal;
      return;
    }
    if (this.#stopping) {
      this.#target.service.log.warn({ signal }, "second signal: exiting without waiting for the drain");
      process.exit(exitCodes.failed);
    }
    this.#stop(signal);
  };

  #stop(signal: NodeJS.Signals): void {
    if (this.#target === undefined) return;
    this.#stopping = true;
    this.#target.service.log.info({ signal }, "signal received");
    void this.#target.running
      .close()
      .then(({ clean }) => process.exit(clean ? exitCodes.clean : exitCodes.failed));
  }
}

function exitWithSentence(sentence: string, exitCode: number): never {
  writeSync(2, `${sentence}\n`);
  process.exit(exitCode);
}
