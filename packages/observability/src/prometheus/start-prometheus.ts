/**
 * Starts the real Prometheus on the configuration `writePrometheusConfig` generated in `dir`, listening
 * on 127.0.0.1 only, and waits until it is ready.
 */
import { resolve } from "node:path";
import { BinaryNotInstalledError, ReloadFailedError } from "../errors.js";
import { type ManagedProcess, startManagedProcess } from "../process/managed-process.js";
import { findPrometheusBinaries } from "./binaries.js";
import { prometheusConfigFileName } from "./prometheus-config.js";

/** Prometheus's own default port. */
export const defaultPrometheusPort = 9090;
/** How long samples are kept, in days. */
export const defaultRetentionDays = 15;
/** Longest a configuration reload may take, in milliseconds. */
export const reloadTimeoutMs = 10_000;

export interface StartPrometheusOptions {
  /** Directory holding `prometheus.yml` (see `writePrometheusConfig`). */
  dir: string;
  /** Directory of the time-series database. */
  dataDir: string;
  /** Default: 9090. */
  port?: number;
  /** Interface to listen on. Default: `127.0.0.1`. */
  host?: string;
  /** How long samples are kept, in days. Default: 15. */
  retentionDays?: number;
  /** File Prometheus logs to (appended to). Default: `<dir>/prometheus.log`. */
  logFile?: string;
  /** The binary to run. Default: `prometheus` found by `findPrometheusBinaries`. */
  binary?: string;
  /** Time Prometheus gets to become ready, in milliseconds. Default: 30000. */
  readyTimeoutMs?: number;
  /** Time Prometheus gets to exit after SIGTERM before it is killed, in milliseconds. Default: 10000. */
  stopTimeoutMs?: number;
}

export interface RunningPrometheus extends ManagedProcess {
  /** Re-reads `prometheus.yml` and the rule files (targets files are re-read without it). */
  reload(): Promise<void>;
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const binary = options.binary ?? findPrometheusBinaries().prometheus;
  if (binary === null) {
    throw new BinaryNotInstalledError(
      "prometheus",
      "prometheus is not installed: install it with `sudo apt-get install prometheus`",
    );
  }
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? defaultPrometheusPort;
  const url = `http://${host}:${port}`;
  const running = await startManagedProcess({
    name: "prometheus",
    command: binary,
    args: [
      `--config.file=${resolve(options.dir, prometheusConfigFileName)}`,
      `--storage.tsdb.path=${resolve(options.dataDir)}`,
      `--storage.tsdb.retention.time=${options.retentionDays ?? defaultRetentionDays}d`,
      `--web.listen-address=${host}:${port}`,
      `--web.external-url=${url}`,
      // Lets `reload()` apply new rule files without a restart.
      "--web.enable-lifecycle",
    ],
    url,
    readyPath: "/-/ready",
    logFile: options.logFile ?? resolve(options.dir, "prometheus.log"),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
  });
  return {
    ...running,
    async reload() {
      const response = await fetch(`${url}/-/reload`, {
        method: "POST",
        signal: AbortSignal.timeout(reloadTimeoutMs),
      });
      const body = await response.text();
      if (!response.ok)
        throw new ReloadFailedError(`prometheus refused to reload (${response.status}): ${body.trim()}`);
    },
  };
}
