/**
 * Starts a service listening and returns the handle that shuts it down gracefully: stop accepting
 * connections, let requests in flight finish within `drainTimeoutMs`, then cut whatever is left.
 */
import type { AddressInfo } from "node:net";
import { defaultDrainTimeoutMs } from "../config/service-variables.js";
import type { Service } from "../service.js";

export interface StartOptions {
  /** TCP port; 0 picks a free one (read it back from `RunningService.port`). */
  port: number;
  /** Interface to listen on. Default: `127.0.0.1`. */
  host?: string;
  /** Time requests in flight get to finish once shutdown starts, in milliseconds. Default: 10000. */
  drainTimeoutMs?: number;
}

export interface ShutdownOutcome {
  /** False when the drain timed out and connections were cut, or when closing failed. */
  clean: boolean;
}

export interface RunningService {
  /** Base URL the service answers on, e.g. `http://127.0.0.1:8082`. */
  readonly url: string;
  readonly port: number;
  /** Shuts the service down gracefully; later calls return the same outcome. */
  close(): Promise<ShutdownOutcome>;
}

/** Time closing may still take after the remaining connections were cut, in milliseconds. */
export const closeAfterCutTimeoutMs = 1_000;

export async function startService(service: Service, options: StartOptions): Promise<RunningService> {
  const { port, host = "127.0.0.1", drainTimeoutMs = defaultDrainTimeoutMs } = options;
  const url = await service.app.listen({
    port,
    host,
    listenTextResolver: (address) => `${service.name} listening at ${address}`,
  });
  let shutdown: Promise<ShutdownOutcome> | undefined;
  return {
    url,
    port: (service.app.server.address() as AddressInfo).port,
    close() {
      shutdown ??= shutDown(service, drainTimeoutMs);
      return shutdown;
    },
  };
}

async function shutDown(service: Service, drainTimeoutMs: number): Promise<ShutdownOutcome> {
  const { app, log } = service;
  service.startDraining();
  log.info({ drainTimeoutMs }, "shutting down: accepting no new connections, draining requests in flight");
  let failed = false;
  const closed = app.close().catch((error: unknown) => {
    failed = true;
    log.error({ err: error }, "closing the service failed");
  });
  if (await settlesWithin(closed, drainTimeoutMs)) {
    log.info("shutdown complete");
    return { clean: !failed };
  }
  log.warn({ drainTimeoutMs }, "drain timed out: cutting the remaining connections");
  app.server.closeAllConnections();
  await settlesWithin(closed, closeAfterCutTimeoutMs);
  return { clean: false };
}

async function settlesWithin(promise: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
