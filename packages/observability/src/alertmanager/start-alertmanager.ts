/**
 * Writes the Alertmanager configuration into `dir` and starts the real Alertmanager on it, listening on
 * 127.0.0.1 only, as a single instance (gossip with peers off), and waits until it is ready.
 */
import { resolve } from "node:path";
import { BinaryNotInstalledError } from "../errors.js";
import { type ManagedProcess, startManagedProcess } from "../process/managed-process.js";
import { findPrometheusBinaries } from "../prometheus/binaries.js";
import { type AlertmanagerConfigOptions, writeAlertmanagerConfig } from "./alertmanager-config.js";

/** Alertmanager's own default port. */
export const defaultAlertmanagerPort = 9093;

export interface StartAlertmanagerOptions extends AlertmanagerConfigOptions {
  /** Directory `alertmanager.yml` is written to. */
  dir: string;
  /** Directory of Alertmanager's notification log and silences. */
  dataDir: string;
  /** Default: 9093. */
  port?: number;
  /** Interface to listen on. Default: `127.0.0.1`. */
  host?: string;
  /** File Alertmanager logs to (appended to). Default: `<dir>/alertmanager.log`. */
  logFile?: string;
  /** The binary to run. Default: `prometheus-alertmanager` (or `alertmanager`) found by `findPrometheusBinaries`. */
  binary?: string;
  /** Time Alertmanager gets to become ready, in milliseconds. Default: 30000. */
  readyTimeoutMs?: number;
  /** Time Alertmanager gets to exit after SIGTERM before it is killed, in milliseconds. Default: 10000. */
  stopTimeoutMs?: number;
}

export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<ManagedProcess> {
  const binary = options.binary ?? findPrometheusBinaries().alertmanager;
  if (binary === null) {
    throw new BinaryNotInstalledError(
      "prometheus-alertmanager",
      "prometheus-alertmanager is not installed: install it with `sudo apt-get install prometheus-alertmanager`",
    );
  }
  const configFile = await writeAlertmanagerConfig(options.dir, options);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? defaultAlertmanagerPort;
  const url = `http://${host}:${port}`;
  return startManagedProcess({
    name: "alertmanager",
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${resolve(options.dataDir)}`,
      `--web.listen-address=${host}:${port}`,
      `--web.external-url=${url}`,
      // An empty address turns clustering off: no gossip port, no waiting for peers to settle.
      "--cluster.listen-address=",
    ],
    url,
    readyPath: "/-/ready",
    logFile: options.logFile ?? resolve(options.dir, "alertmanager.log"),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
  });
}
